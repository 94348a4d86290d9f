/// The countries and languages each channel can be told about, by the channel's own ids. A
/// country or language missing here is a `violations` entry, never a silent drop.
///
/// Sources: Google geo target constants are `2000 + ISO 3166-1 numeric` for countries
/// (developers.google.com/google-ads/api/data/geotargets) and language constants from the
/// language codes table (developers.google.com/google-ads/api/data/codes-formats#languages);
/// TikTok `location_ids` for countries are GeoNames ids (TikTok's `/tool/region/` returns them);
/// Meta `locales` are the keys of Targeting Search `type=adlocale` (a full dump of that list in
/// public code agrees: 6 English (US), 24 English (UK), 1001 English (All), 1002 Spanish (All),
/// 1003 French (All), 1004 Chinese (All), 1005 Portuguese (All)). Meta takes countries as ISO
/// alpha-2 codes and Amazon targets no geography at ad-group level.
enum TargetingTables {
    struct Country: Sendable {
        /// ISO 3166-1 numeric.
        var numeric: Int
        /// GeoNames id (TikTok `location_ids`); nil where TikTok does not deliver.
        var geoNamesID: Int?
    }

    /// At least every market Tradewind sells in, plus close neighbours.
    static let countries: [String: Country] = [
        "AE": Country(numeric: 784, geoNamesID: 290_557), "AT": Country(numeric: 40, geoNamesID: 2_782_113),
        "AU": Country(numeric: 36, geoNamesID: 2_077_456), "BE": Country(numeric: 56, geoNamesID: 2_802_361),
        "BR": Country(numeric: 76, geoNamesID: 3_469_034), "CA": Country(numeric: 124, geoNamesID: 6_251_999),
        "CH": Country(numeric: 756, geoNamesID: 2_658_434),
        // TikTok does not run ads in mainland China (Douyin is a separate platform).
        "CN": Country(numeric: 156, geoNamesID: nil),
        "DE": Country(numeric: 276, geoNamesID: 2_921_044), "DK": Country(numeric: 208, geoNamesID: 2_623_032),
        "ES": Country(numeric: 724, geoNamesID: 2_510_769), "FI": Country(numeric: 246, geoNamesID: 660_013),
        "FR": Country(numeric: 250, geoNamesID: 3_017_382), "GB": Country(numeric: 826, geoNamesID: 2_635_167),
        "HK": Country(numeric: 344, geoNamesID: 1_819_730), "IE": Country(numeric: 372, geoNamesID: 2_963_597),
        "IN": Country(numeric: 356, geoNamesID: 1_269_750), "IT": Country(numeric: 380, geoNamesID: 3_175_395),
        "JP": Country(numeric: 392, geoNamesID: 1_861_060), "KR": Country(numeric: 410, geoNamesID: 1_835_841),
        "MX": Country(numeric: 484, geoNamesID: 3_996_063), "NL": Country(numeric: 528, geoNamesID: 2_750_405),
        "NO": Country(numeric: 578, geoNamesID: 3_144_096), "NZ": Country(numeric: 554, geoNamesID: 2_186_224),
        "PL": Country(numeric: 616, geoNamesID: 798_544), "PT": Country(numeric: 620, geoNamesID: 2_264_397),
        "SA": Country(numeric: 682, geoNamesID: 102_358), "SE": Country(numeric: 752, geoNamesID: 2_661_886),
        "SG": Country(numeric: 702, geoNamesID: 1_880_251), "TR": Country(numeric: 792, geoNamesID: 298_795),
        "TW": Country(numeric: 158, geoNamesID: 1_668_284), "US": Country(numeric: 840, geoNamesID: 6_252_001),
    ]

    /// Google `geoTargetConstants/{id}` of a country.
    static func googleGeoTarget(_ country: String) -> Int? { countries[country].map { 2_000 + $0.numeric } }

    static func tiktokLocation(_ country: String) -> Int? { countries[country]?.geoNamesID }

    /// Meta takes the ISO code itself, for every country it lists.
    static func metaCountry(_ country: String) -> String? { countries[country] == nil ? nil : country }

    /// Google language constants by BCP 47 tag: the tag itself, else its language subtag.
    static let googleLanguages: [String: Int] = [
        "en": 1000, "de": 1001, "fr": 1002, "es": 1003, "it": 1004, "ja": 1005, "da": 1009, "nl": 1010,
        "fi": 1011, "ko": 1012, "no": 1013, "nb": 1013, "pt": 1014, "sv": 1015, "zh": 1017, "zh-Hans": 1017,
        "zh-CN": 1017, "zh-Hant": 1018, "zh-TW": 1018, "zh-HK": 1018, "ar": 1019, "hi": 1023, "pl": 1030,
        "ru": 1031, "tr": 1037,
    ]

    /// Meta `locales` by BCP 47 tag. A bare language takes Meta's "(All)" group where there is one.
    static let metaLocales: [String: [Int]] = [
        "en": [1001], "en-US": [6], "en-GB": [24], "es": [1002], "es-ES": [7], "fr": [1003], "fr-FR": [9],
        "fr-CA": [44], "zh": [1004], "zh-Hans": [20], "zh-CN": [20], "zh-Hant": [21, 22], "zh-HK": [21],
        "zh-TW": [22], "pt": [1005], "pt-BR": [16], "pt-PT": [31], "de": [5], "it": [10], "ja": [11], "ko": [12],
        "nl": [14], "pl": [15], "ru": [17], "sv": [18], "tr": [19], "ar": [28], "hi": [46], "da": [4], "fi": [8],
        "nb": [13], "no": [13],
    ]

    /// TikTok `languages` codes. Chinese is left out: the sources do not settle whether TikTok
    /// spells it `zh`, `zh-Hans` or `zh-Hant`, and a wrong code would silently target nobody.
    static let tiktokLanguages: [String: String] = [
        "en": "en", "de": "de", "fr": "fr", "es": "es", "it": "it", "ja": "ja", "ko": "ko", "nl": "nl", "pt": "pt",
        "ar": "ar", "hi": "hi", "pl": "pl", "ru": "ru", "sv": "sv", "tr": "tr", "da": "da", "fi": "fi",
    ]

    /// Looks `tag` up, then its language subtag (`de-AT` → `de`).
    static func lookUp<Value>(_ tag: String, in table: [String: Value]) -> Value? {
        if let value = table[tag] { return value }
        guard let language = tag.split(separator: "-").first, language.count < tag.count else { return nil }
        return table[String(language)]
    }
}
