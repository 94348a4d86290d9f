"""What the example tenants sell, where, and how they advertise: the input of seed.py.

One profile per tenant manifest in tenants/. Money is in major units of the tenant's reporting
currency (its ad accounts use the same one); `roas` is the last-click revenue per unit of channel
spend the seeded history aims at for a campaign, so GetKPIs shows a plausible spread (brand search
high, TikTok prospecting low).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Market:
    country: str
    language: str
    currency: str  # what its customers pay in
    share: float  # of the tenant's visitors


@dataclass(frozen=True)
class Product:
    sku: str
    price: float


@dataclass(frozen=True)
class CampaignPlan:
    key: str  # stable: names the campaign's idempotency keys
    channel: str  # google_ads, meta, tiktok or amazon_ads
    name: str
    daily_budget: float
    roas: float
    markets: tuple
    languages: tuple
    headlines: tuple = ()
    descriptions: tuple = ()
    final_url: str = ""
    asin: str = ""  # Amazon product ads
    default_bid: float = 0.0  # Amazon: required per ad group


@dataclass(frozen=True)
class TenantProfile:
    slug: str
    currency: str
    time_zone: str
    regime: str  # PRIVACY_REGIME_* suffix
    markets: tuple
    products: tuple
    campaigns: tuple
    contacts: int
    email_orders_per_day: float
    organic_orders_per_day: float
    browsers_per_day: float  # people who touch ads or the site and do not buy
    order_prefix: str
    email_domain: str
    peaks: tuple  # ("black-friday" | "cyber-monday" | "MM-DD", factor)
    usd_per_unit: tuple = ()  # (currency, rate): rates the tenant loads for cross-border orders
    amazon_marketplace: str = ""


# Given and family names per language, for contacts' display names and e-mail addresses.
NAMES = {
    "de": (
        ("Anna", "Lukas", "Mia", "Jonas", "Lea", "Felix", "Sophie", "Paul"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hofmann"),
    ),
    "fr": (
        ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Manon", "Arthur"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Moreau"),
    ),
    "nl": (
        ("Emma", "Daan", "Julia", "Sem", "Tess", "Lucas", "Sara", "Finn"),
        ("de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer"),
    ),
    "en": (
        ("Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Mia", "Lucas"),
        ("Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Tan"),
    ),
    "ms": (
        ("Nur", "Ahmad", "Siti", "Muhammad", "Aisyah", "Hafiz", "Farah", "Amir"),
        ("Abdullah", "Rahman", "Ismail", "Hassan", "Lim", "Wong", "Ibrahim", "Yusof"),
    ),
    "zh-Hans": (("伟", "芳", "娜", "敏", "静", "磊", "洋", "婷"), ("王", "李", "张", "刘", "陈", "杨", "黄", "赵")),
    "zh-Hant": (
        ("家豪", "詠琪", "志明", "淑芬", "嘉欣", "俊傑", "美玲", "偉倫"),
        ("陳", "林", "黃", "張", "李", "王", "吳", "劉"),
    ),
}
# The romanised spelling of the Chinese names above, in the same order, for e-mail addresses.
ROMANISED = {
    "zh-Hans": (
        ("wei", "fang", "na", "min", "jing", "lei", "yang", "ting"),
        ("wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao"),
    ),
    "zh-Hant": (
        ("jiahao", "wingki", "chiming", "shufen", "kayan", "chunkit", "meiling", "wailun"),
        ("chan", "lam", "wong", "cheung", "lee", "wang", "ng", "lau"),
    ),
}

PROFILES = {
    profile.slug: profile
    for profile in (
        TenantProfile(
            slug="acme-eu",
            currency="EUR",
            time_zone="Europe/Berlin",
            regime="GDPR",
            markets=(
                Market("DE", "de", "EUR", 0.50),
                Market("FR", "fr", "EUR", 0.25),
                Market("AT", "de", "EUR", 0.12),
                Market("NL", "nl", "EUR", 0.13),
            ),
            products=(
                Product("ACME-BOOT-WINTER", 149.00),
                Product("ACME-BOOT-HIKE", 129.00),
                Product("ACME-JACKET-DOWN", 219.00),
                Product("ACME-SOCKS-MERINO", 19.90),
                Product("ACME-BEANIE", 24.90),
                Product("ACME-GLOVES", 39.90),
                Product("ACME-CARE-KIT", 14.90),
            ),
            campaigns=(
                CampaignPlan(
                    "search-dach",
                    "google_ads",
                    "Suche DACH - Winterstiefel",
                    220,
                    4.4,
                    ("DE", "AT"),
                    ("de",),
                    headlines=("Winterstiefel von Acme", "Handgemacht in Europa", "Gratis Versand ab 50 EUR"),
                    descriptions=("Warme Lederstiefel für jeden Winter.", "30 Tage Rückgabe, schnell geliefert."),
                    final_url="https://www.acme-outdoor.example/de/winterstiefel",
                ),
                CampaignPlan(
                    "search-fr",
                    "google_ads",
                    "Recherche FR - Bottes d'hiver",
                    110,
                    3.9,
                    ("FR",),
                    ("fr",),
                    headlines=("Bottes d'hiver Acme", "Fabriquées en Europe", "Livraison offerte"),
                    descriptions=("Des bottes en cuir chaudes pour l'hiver.", "Retour gratuit sous 30 jours."),
                    final_url="https://www.acme-outdoor.example/fr/bottes-hiver",
                ),
                CampaignPlan(
                    "social-winter",
                    "meta",
                    "Winter Prospecting DE/AT/FR/NL",
                    180,
                    2.6,
                    ("DE", "AT", "FR", "NL"),
                    ("de", "fr", "nl"),
                    headlines=("Bereit für den Winter?",),
                    descriptions=("Stiefel, Daunenjacken und Merinosocken: jetzt bis zu 30 % reduziert.",),
                    final_url="https://www.acme-outdoor.example/winter",
                ),
                CampaignPlan(
                    "sp-boots-de",
                    "amazon_ads",
                    "Sponsored Products DE - Stiefel",
                    70,
                    5.1,
                    ("DE",),
                    (),
                    asin="B0ACME0001",
                    default_bid=0.65,
                ),
            ),
            contacts=300,
            email_orders_per_day=3,
            organic_orders_per_day=5,
            browsers_per_day=20,
            order_prefix="ACME",
            email_domain="example.de",
            amazon_marketplace="A1PA6795UKMFR9",
            peaks=(("black-friday", 2.2), ("cyber-monday", 1.8)),
        ),
        TenantProfile(
            slug="bluebird-us",
            currency="USD",
            time_zone="America/New_York",
            regime="CCPA",
            markets=(Market("US", "en", "USD", 1.0),),
            products=(
                Product("BB-THROW-BLANKET", 59.00),
                Product("BB-CANDLE-SET", 34.00),
                Product("BB-MUG-PAIR", 28.00),
                Product("BB-PILLOW-LINEN", 45.00),
                Product("BB-DIFFUSER", 49.00),
                Product("BB-GIFT-CARD-50", 50.00),
            ),
            campaigns=(
                CampaignPlan(
                    "search-brand",
                    "google_ads",
                    "Search - Brand",
                    80,
                    7.5,
                    ("US",),
                    ("en",),
                    headlines=("Bluebird Home", "Cozy Throws and Candles", "Free Shipping Over $50"),
                    descriptions=("The official Bluebird Home store.", "Soft throws, linen pillows, candles."),
                    final_url="https://shop.bluebird-home.example/",
                ),
                CampaignPlan(
                    "search-generic",
                    "google_ads",
                    "Search - Generic home decor",
                    180,
                    3.1,
                    ("US",),
                    ("en",),
                    headlines=("Cozy Home Decor", "Linen Pillows and Throws", "Gifts Under $60"),
                    descriptions=("Make your home warmer this season.", "Shop throws, candles and mugs."),
                    final_url="https://shop.bluebird-home.example/cozy",
                ),
                CampaignPlan(
                    "social-holiday",
                    "meta",
                    "Holiday Gifting - Advantage+",
                    210,
                    2.7,
                    ("US",),
                    ("en",),
                    headlines=("Gifts that feel like home",),
                    descriptions=("Throws, candles and mugs, wrapped and shipped free.",),
                    final_url="https://shop.bluebird-home.example/gifts",
                ),
                CampaignPlan(
                    "spark-cozy",
                    "tiktok",
                    "Spark Ads - Cozy season",
                    100,
                    1.8,
                    ("US",),
                    ("en",),
                    descriptions=("Our softest throw yet. Cozy season starts now.",),
                    final_url="https://shop.bluebird-home.example/throws",
                ),
                CampaignPlan(
                    "sp-throws",
                    "amazon_ads",
                    "SP - Throw blankets",
                    60,
                    4.6,
                    ("US",),
                    (),
                    asin="B0BLUEB001",
                    default_bid=0.85,
                ),
            ),
            contacts=350,
            email_orders_per_day=4,
            organic_orders_per_day=6,
            browsers_per_day=35,
            order_prefix="BB",
            email_domain="example.com",
            amazon_marketplace="ATVPDKIKX0DER",
            peaks=(("black-friday", 2.4), ("cyber-monday", 2.0)),
        ),
        TenantProfile(
            # Google and Meta do not serve in mainland China: paid media reach Hong Kong and
            # Taiwan; the mainland buys through organic and e-mail.
            slug="lotus-cn",
            currency="CNY",
            time_zone="Asia/Shanghai",
            regime="PIPL",
            markets=(
                Market("CN", "zh-Hans", "CNY", 0.78),
                Market("HK", "zh-Hant", "HKD", 0.12),
                Market("TW", "zh-Hant", "TWD", 0.10),
            ),
            products=(
                Product("LOTUS-SERUM", 399.00),
                Product("LOTUS-CREAM", 329.00),
                Product("LOTUS-MASK-10", 159.00),
                Product("LOTUS-TONER", 189.00),
                Product("LOTUS-LIPSTICK", 169.00),
                Product("LOTUS-GIFT-SET", 699.00),
            ),
            campaigns=(
                CampaignPlan(
                    "search-hk-tw",
                    "google_ads",
                    "Search HK/TW - 蓮花精華",
                    1600,
                    3.6,
                    ("HK", "TW"),
                    ("zh-Hant",),
                    headlines=("蓮花精華 官方網店", "植萃修護 溫和不刺激", "滿額免運 快速到貨"),
                    descriptions=("蓮花系列護膚品，官方正品保證。", "精華、面霜、面膜，節日禮盒熱賣中。"),
                    final_url="https://www.lotus-beauty.example/hk/serum",
                ),
                CampaignPlan(
                    "social-double11",
                    "meta",
                    "HK/TW - 雙十一",
                    1300,
                    2.9,
                    ("HK", "TW"),
                    ("zh-Hant",),
                    headlines=("雙十一限定禮盒",),
                    descriptions=("蓮花精華禮盒，限時優惠，送完即止。",),
                    final_url="https://www.lotus-beauty.example/hk/double11",
                ),
            ),
            contacts=280,
            email_orders_per_day=4,
            organic_orders_per_day=10,
            browsers_per_day=25,
            order_prefix="LOTUS",
            email_domain="example.cn",
            peaks=(("11-11", 3.0), ("11-10", 1.8)),
            usd_per_unit=(("CNY", 0.1385), ("HKD", 0.1282), ("TWD", 0.0312)),
        ),
        TenantProfile(
            # Malaysia buys through organic and e-mail only (the channels' targeting tables have
            # no MY): paid media serve Singapore.
            slug="merlion-sg",
            currency="SGD",
            time_zone="Asia/Singapore",
            regime="PDPA",
            markets=(Market("SG", "en", "SGD", 0.70), Market("MY", "ms", "MYR", 0.30)),
            products=(
                Product("MER-CHARGER-65W", 49.90),
                Product("MER-CABLE-USBC", 14.90),
                Product("MER-POWERBANK", 59.90),
                Product("MER-EARBUDS", 89.00),
                Product("MER-CASE", 19.90),
                Product("MER-STAND", 34.90),
            ),
            campaigns=(
                CampaignPlan(
                    "search-sg",
                    "google_ads",
                    "Search SG - Chargers",
                    90,
                    4.0,
                    ("SG",),
                    ("en",),
                    headlines=("65W GaN Chargers", "Same-Day Delivery in SG", "2-Year Local Warranty"),
                    descriptions=("Fast chargers, cables and power banks.", "Order by 2pm, delivered today."),
                    final_url="https://www.merlion-trading.example/chargers",
                ),
                CampaignPlan(
                    "social-sale",
                    "meta",
                    "SG - Year-end Sale",
                    70,
                    2.5,
                    ("SG",),
                    ("en",),
                    headlines=("Year-end gadget sale",),
                    descriptions=("Chargers, earbuds and stands at up to 40% off.",),
                    final_url="https://www.merlion-trading.example/sale",
                ),
                CampaignPlan(
                    "tiktok-unboxing",
                    "tiktok",
                    "SG - Gadget unboxing",
                    70,
                    1.7,
                    ("SG",),
                    ("en",),
                    descriptions=("Unboxing our 65W charger: phone, laptop and tablet at once.",),
                    final_url="https://www.merlion-trading.example/charger-65w",
                ),
                CampaignPlan(
                    "sp-powerbanks",
                    "amazon_ads",
                    "SP SG - Power banks",
                    35,
                    4.3,
                    ("SG",),
                    (),
                    asin="B0MERL0001",
                    default_bid=0.45,
                ),
            ),
            contacts=180,
            email_orders_per_day=2,
            organic_orders_per_day=4,
            browsers_per_day=12,
            order_prefix="MER",
            email_domain="example.sg",
            amazon_marketplace="A19VAU5U5O7RUS",
            peaks=(("11-11", 2.5), ("black-friday", 1.6)),
            usd_per_unit=(("SGD", 0.7450), ("MYR", 0.2250)),
        ),
    )
}
