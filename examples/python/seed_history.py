"""The history seed.py sends for one tenant: its contacts' sign-ups and consent changes, and 90 days
of journeys (touchpoints, page views, orders). Deterministic: the same profile, first day, contact
ids and campaign ids give the same events, with the same event ids, on every run.

Paid orders follow each campaign's expected spend: tradewind-sandbox spends 55-97 % of a daily
budget, so a campaign's orders on a day are drawn around budget x 0.76 x its ROAS x the day's
seasonality / the mean basket. Journeys have 0-3 earlier touches (Meta and TikTok mostly
impressions, e-mail only to contacts whose e-mail consent holds at that moment), so the attribution
models disagree the way they do on real data.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from tradewind.v1 import contacts_pb2 as contacts_pb
from tradewind.v1 import events_pb2 as events_pb

from seed_contacts import ContactPlan, pick, plan_contacts
from seed_profiles import CampaignPlan, TenantProfile

# Part of every event id: a changed generator must not collide with events a tenant already has.
SEED_VERSION = 1
MEAN_SPEND_SHARE = 0.76
BASKET_SIZES = ((1, 0.6), (2, 0.3), (3, 0.1))
ASSIST_COUNTS = ((0, 0.35), (1, 0.35), (2, 0.2), (3, 0.1))
# How often each channel appears among earlier touches, where the person can be reached there.
ASSIST_WEIGHTS = {"meta": 0.35, "google_ads": 0.2, "tiktok": 0.2, "amazon_ads": 0.05, "email": 0.15, "organic": 0.2}
IMPRESSION_SHARE = {"meta": 0.65, "tiktok": 0.7, "google_ads": 0.15, "amazon_ads": 0.15}
CHANNELS = {
    "google_ads": events_pb.CHANNEL_GOOGLE_ADS,
    "meta": events_pb.CHANNEL_META,
    "tiktok": events_pb.CHANNEL_TIKTOK,
    "amazon_ads": events_pb.CHANNEL_AMAZON_ADS,
    "email": events_pb.CHANNEL_EMAIL,
    "organic": events_pb.CHANNEL_ORGANIC,
}
WEEKDAY_FACTOR = (1.0, 0.98, 1.0, 1.02, 1.05, 0.92, 1.08)  # Monday first: Sunday evenings sell


@dataclass(frozen=True)
class Placement:
    """A published campaign as touchpoints name it: the channel's own ids."""

    plan: CampaignPlan
    campaign_id: str
    ad_set_id: str
    creative_id: str


def black_friday(year: int) -> date:
    november = date(year, 11, 1)
    first_thursday = november + timedelta(days=(3 - november.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: the means here stay well under 100.
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class History:
    """One tenant's seeded history over `days` days from `first_day` (the tenant's local days)."""

    def __init__(self, profile: TenantProfile, first_day: date, days: int):
        self.profile = profile
        self.first_day = first_day
        self.days = days
        self.zone = ZoneInfo(profile.time_zone)
        self.start = self.at(first_day, 0)
        self.end = self.at(first_day + timedelta(days=days), 0)
        self.markets = {m.country: m for m in profile.markets}
        prices = [p.price for p in profile.products]
        self.mean_basket = sum(size * w for size, w in BASKET_SIZES) * sum(prices) / len(prices)
        self.contacts = plan_contacts(profile, self.start, self.end)

    def at(self, day: date, hours: float) -> datetime:
        """`hours` after local midnight of `day`, in UTC."""
        local = datetime(day.year, day.month, day.day, tzinfo=self.zone) + timedelta(hours=hours)
        return local.astimezone(timezone.utc)

    def season(self, day: date) -> float:
        peaks = {}
        for name, factor in self.profile.peaks:
            if name == "black-friday":
                peaks[black_friday(day.year)] = factor
            elif name == "cyber-monday":
                peaks[black_friday(day.year) + timedelta(days=3)] = factor
            else:
                month, dom = name.split("-")
                peaks[date(day.year, int(month), int(dom))] = factor
        # Growing into the holidays, with a weekly rhythm and the tenant's sales days.
        trend = 0.9 + 0.2 * (day - self.first_day).days / self.days
        return trend * WEEKDAY_FACTOR[day.weekday()] * peaks.get(day, 1.0)

    def events(self, contact_ids: list, placements: list) -> list:
        """Every event of the history, oldest first; `contact_ids` are the contacts' ids in plan order."""
        rng = random.Random(f"{self.profile.slug}/v{SEED_VERSION}/events")
        self._out, self._ids, self._last_order_number = [], contact_ids, 100000
        for plan in self.contacts:
            plan.orders, plan.revenue, plan.last_order = 0, 0.0, None
        # Who can be reached where, worked out once: these are looked up for every order and touch.
        self._by_country = {}
        for index, plan in enumerate(self.contacts):
            self._by_country.setdefault(plan.country, []).append(index)
        self._weights = {
            country: list(itertools.accumulate(self.contacts[i].weight for i in indexes))
            for country, indexes in self._by_country.items()
        }
        self._all_weights = list(itertools.accumulate(c.weight for c in self.contacts))
        self._reachable = {}
        for placement in placements:
            for country in placement.plan.markets:
                self._reachable.setdefault(country, {}).setdefault(placement.plan.channel, []).append(placement)
        for index, plan in enumerate(self.contacts):
            self._consent_and_identify(index, plan)
        guests = 0
        for offset in range(self.days):
            day = self.first_day + timedelta(days=offset)
            season = self.season(day)
            for placement in placements:
                plan = placement.plan
                mean = plan.daily_budget * MEAN_SPEND_SHARE * plan.roas * season / self.mean_basket
                for _ in range(poisson(rng, mean)):
                    country = pick(rng, [(c, self.markets[c].share) for c in plan.markets])
                    guests += 1
                    self._order(rng, day, country, guests, last=("paid", placement))
            for _ in range(poisson(rng, self.profile.email_orders_per_day * season)):
                guests += 1
                self._order(rng, day, None, guests, last=("email", None))
            for _ in range(poisson(rng, self.profile.organic_orders_per_day * season)):
                guests += 1
                country = pick(rng, [(m.country, m.share) for m in self.profile.markets])
                self._order(rng, day, country, guests, last=("organic", None))
            for _ in range(poisson(rng, self.profile.browsers_per_day * season)):
                guests += 1
                self._browse(rng, day, guests)
        events = sorted(self._out, key=lambda pair: pair[0])
        return [event for _, event in events]

    def _emit(self, when: datetime, **fields) -> events_pb.Event:
        event = events_pb.Event(event_id=f"s{SEED_VERSION}-{len(self._out) + 1:07d}", **fields)
        event.occur_time.FromDatetime(when)
        self._out.append((when, event))
        return event

    def _consent_and_identify(self, index: int, plan: ContactPlan) -> None:
        contact_id = self._ids[index]
        self._emit(
            plan.signup,
            contact_id=contact_id,
            anonymous_id=plan.anonymous_id,
            country=plan.country,
            identify=events_pb.Identify(),
        )
        regime = getattr(contacts_pb, f"PRIVACY_REGIME_{self.profile.regime}")
        changes = [
            (plan.email_granted, plan.email_withdrawn, contacts_pb.CONSENT_PURPOSE_EMAIL_MARKETING),
            (plan.ads_granted, plan.ads_withdrawn, contacts_pb.CONSENT_PURPOSE_AD_PERSONALISATION),
            (plan.analytics_granted, None, contacts_pb.CONSENT_PURPOSE_ANALYTICS),
        ]
        for granted, withdrawn, purpose in changes:
            if not granted:
                continue
            self._emit(
                plan.signup + timedelta(seconds=30),
                contact_id=contact_id,
                country=plan.country,
                consent=events_pb.ConsentChangeEvent(
                    purpose=purpose,
                    action=contacts_pb.CONSENT_ACTION_GRANT,
                    lawful_basis=contacts_pb.LAWFUL_BASIS_CONSENT,
                    regime=regime,
                    source=f"{plan.source} form",
                ),
            )
            if withdrawn is not None:
                self._emit(
                    withdrawn,
                    contact_id=contact_id,
                    country=plan.country,
                    consent=events_pb.ConsentChangeEvent(
                        purpose=purpose,
                        action=contacts_pb.CONSENT_ACTION_WITHDRAW,
                        regime=regime,
                        source="preference centre",
                    ),
                )

    def _person(self, rng: random.Random, country: Optional[str], when: datetime, guest: int):
        """A returning contact who had signed up by `when` (about half the time), else a new guest."""
        if country is None:  # e-mail: a contact whose e-mail consent holds
            for _ in range(20):
                index = rng.choices(range(len(self.contacts)), cum_weights=self._all_weights)[0]
                if self.contacts[index].emailable(when):
                    return index, self.contacts[index].anonymous_id, self.contacts[index].country
            return None
        indexes = self._by_country.get(country, [])
        if indexes and rng.random() < 0.55:
            index = rng.choices(indexes, cum_weights=self._weights[country])[0]
            if self.contacts[index].signup <= when:
                return index, self.contacts[index].anonymous_id, country
        return None, f"web-{self.profile.slug}-g{guest:06d}", country

    def _touch(self, when: datetime, anonymous_id: str, country: str, channel: str, placement=None, click=True):
        touch = events_pb.Touchpoint(
            type=events_pb.TOUCHPOINT_TYPE_CLICK if click else events_pb.TOUCHPOINT_TYPE_IMPRESSION,
            channel=CHANNELS[channel],
        )
        if placement is not None:
            touch.campaign_id, touch.ad_set_id, touch.creative_id = (
                placement.campaign_id,
                placement.ad_set_id,
                placement.creative_id,
            )
        elif channel == "email":
            year, week, _ = when.isocalendar()
            touch.campaign_id = f"newsletter-{year}-w{week:02d}"
        self._emit(when, anonymous_id=anonymous_id, country=country, touchpoint=touch)
        return touch.campaign_id

    def _assist(self, rng: random.Random, when: datetime, anonymous_id: str, country: str, contact) -> None:
        """One earlier touch on a channel that can reach the person then."""
        options = [("organic", ASSIST_WEIGHTS["organic"])]
        if contact is not None and self.contacts[contact].emailable(when):
            options.append(("email", ASSIST_WEIGHTS["email"]))
        reachable = self._reachable.get(country, {})
        options += [(ch, ASSIST_WEIGHTS[ch]) for ch in reachable]
        channel = pick(rng, options)
        if channel in reachable:
            click = rng.random() >= IMPRESSION_SHARE[channel]
            self._touch(when, anonymous_id, country, channel, rng.choice(reachable[channel]), click)
        else:
            self._touch(when, anonymous_id, country, channel)

    def _order(self, rng: random.Random, day: date, country: Optional[str], guest: int, last) -> None:
        when = self.at(day, rng.triangular(7, 23.9, 20.5))
        person = self._person(rng, country, when, guest)
        if person is None:
            return
        contact, anonymous_id, country = person
        for _ in range(pick(rng, ASSIST_COUNTS)):
            earlier = when - timedelta(seconds=rng.uniform(3600, 20 * 86400))
            if earlier >= self.start:
                self._assist(rng, earlier, anonymous_id, country, contact)
        kind, placement = last
        channel = placement.plan.channel if placement else kind
        clicked = when - timedelta(minutes=rng.uniform(2, 40))
        campaign_id = self._touch(clicked, anonymous_id, country, channel, placement)
        basket = rng.sample(self.profile.products, pick(rng, BASKET_SIZES))
        self._emit(
            clicked + timedelta(minutes=1),
            anonymous_id=anonymous_id,
            country=country,
            page_view=events_pb.PageView(path=f"/p/{basket[0].sku.lower()}"),
        )
        market = self.markets[country]
        factor = self._to_local(market.currency)
        items = [
            events_pb.ConversionItem(sku=p.sku, quantity=1, price_micros=self._micros(p.price * factor, market))
            for p in basket
        ]
        self._last_order_number += 1
        conversion = events_pb.Conversion(
            order_id=f"{self.profile.order_prefix}-{self._last_order_number}",
            value_micros=sum(item.price_micros for item in items),
            currency=market.currency,
            items=items,
            channel=CHANNELS[channel],
            campaign_id=campaign_id,
        )
        fields = {"anonymous_id": anonymous_id, "country": country, "conversion": conversion}
        if contact is not None:
            fields["contact_id"] = self._ids[contact]
            plan = self.contacts[contact]
            plan.orders += 1
            plan.revenue += sum(p.price for p in basket)
            plan.last_order = when
        self._emit(when, **fields)

    def _browse(self, rng: random.Random, day: date, guest: int) -> None:
        """Someone who sees or clicks ads and visits, and does not buy (a journey that does not convert)."""
        country = pick(rng, [(m.country, m.share) for m in self.profile.markets])
        when = self.at(day, rng.uniform(6, 24))
        contact, anonymous_id, country = self._person(rng, country, when, guest)
        for i in range(pick(rng, ((1, 0.5), (2, 0.35), (3, 0.15)))):
            touched = when - timedelta(hours=rng.uniform(0, 72) if i else 0)
            if touched >= self.start:
                self._assist(rng, touched, anonymous_id, country, contact)

    def _to_local(self, currency: str) -> float:
        """Units of `currency` per unit of the reporting currency, at the profile's base rates."""
        rates = dict(self.profile.usd_per_unit)
        return rates[self.profile.currency] / rates[currency] if currency != self.profile.currency else 1.0

    @staticmethod
    def _micros(amount: float, market) -> int:
        places = 0 if market.currency in ("TWD", "JPY", "KRW") else 2
        return int(round(round(amount, places) * 1_000_000))

    # What the tenant does with the history

    def exchange_rates(self, through: date) -> list:
        """The tenant's daily rates for its order currencies, from a week before the first day."""
        rates = []
        for n, (currency, usd) in enumerate(self.profile.usd_per_unit):
            day = self.first_day - timedelta(days=7)
            while day <= through:
                drift = 1 + 0.004 * math.sin((day - self.first_day).days / 23 * 2 * math.pi + n)
                rates.append(
                    events_pb.ExchangeRate(day=day.isoformat(), currency=currency, usd_per_unit=f"{usd * drift:.6f}")
                )
                day += timedelta(days=1)
        return rates
