import Foundation

/// `GET /act_{id}/insights`: level `account`, `campaign`, `adset` (each ad set's share of its campaign,
/// `World.adGroupDays`) or `ad` (each ad's share of its ad set, `World.adDays`), `time_increment=1`
/// (daily) or the whole range, `time_range={"since","until"}`
/// or `date_preset`, and the fields Tradewind reads. Numbers are strings, as the Graph API sends them;
/// purchases appear in `actions` / `action_values` under both `purchase` and
/// `offsite_conversion.fb_pixel_purchase`. Pages are offsets in `after`; `paging.next` repeats the
/// request's parameters, as the Graph API's does.
struct MetaInsights {
    let context: CallContext
    let parameters: MetaParameters

    static let knownFields: Set<String> = [
        "account_id", "account_currency", "campaign_id", "campaign_name", "adset_id", "adset_name", "ad_id", "ad_name",
        "impressions", "clicks", "spend", "actions", "action_values", "date_start", "date_stop",
    ]
    /// Meta's levels, finest last.
    static let levels = ["account", "campaign", "adset", "ad"]

    func run(account: String) -> Reply {
        let trace = context.requestID
        let level = parameters.string("level") ?? "account"
        guard Self.levels.contains(level) else {
            return MetaEmulator.invalidParameter(
                "Param level must be one of {\(Self.levels.joined(separator: ", "))}", traceID: trace)
        }
        let fields = (parameters.string("fields") ?? "impressions,spend").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if let unknown = fields.first(where: { !Self.knownFields.contains($0) }) {
            return MetaEmulator.invalidParameter("\(unknown) is not valid for fields param", traceID: trace)
        }
        return context.store.read { world -> Reply in
            guard let owner = world.account(.meta, account) else {
                return MetaEmulator.objectNotFound("act_\(account)", traceID: trace)
            }
            let today = world.today
            var since = today.adding(days: -30)
            var until = today.adding(days: -1)
            if let range = parameters.json("time_range") {
                guard let from = range["since"]?.stringValue.flatMap(SandboxDay.init),
                    let to = range["until"]?.stringValue.flatMap(SandboxDay.init), from <= to
                else {
                    return MetaEmulator.invalidParameter(
                        "Param time_range must be {\"since\":\"YYYY-MM-DD\",\"until\":\"YYYY-MM-DD\"}", traceID: trace)
                }
                since = from
                until = to
            } else if let preset = parameters.string("date_preset") {
                switch preset {
                case "today": (since, until) = (today, today)
                case "yesterday": (since, until) = (today.adding(days: -1), today.adding(days: -1))
                case "last_7d": (since, until) = (today.adding(days: -7), today.adding(days: -1))
                case "last_14d": (since, until) = (today.adding(days: -14), today.adding(days: -1))
                case "last_30d": (since, until) = (today.adding(days: -30), today.adding(days: -1))
                default:
                    return MetaEmulator.invalidParameter(
                        "Param date_preset is not supported: \(preset)", traceID: trace)
                }
            }
            let daily = parameters.string("time_increment") == "1"
            // Each delivery row as (campaign, ad set, ad) ids; the ad set and ad only at their levels.
            let days: [(campaign: String, adSet: String?, ad: String?, day: SandboxDay, figures: DailyFigures)] =
                switch level {
                case "ad":
                    context.store.adDays(.meta, account: account, from: since, to: until, in: world).map {
                        ($0.campaignID, $0.adGroupID, $0.adID, $0.day, $0.figures)
                    }
                case "adset":
                    context.store.adGroupDays(.meta, account: account, from: since, to: until, in: world).map {
                        ($0.campaignID, $0.adGroupID, nil, $0.day, $0.figures)
                    }
                default:
                    context.store.campaignDays(.meta, account: account, from: since, to: until, in: world).map {
                        ($0.campaignID, nil, nil, $0.day, $0.figures)
                    }
                }
            let currency = owner.currencyInfo
            // Group rows by object (ad, ad set, campaign or account) and by day or whole range.
            var groups: [String: Group] = [:]
            for row in days {
                let campaign = level == "account" ? nil : row.campaign
                let start = daily ? row.day : since
                let stop = daily ? row.day : until
                let key = "\(row.ad ?? row.adSet ?? campaign ?? "")|\(start)"
                let previous = groups[key]?.figures ?? .zero
                groups[key] = Group(
                    campaign: campaign, adSet: row.adSet, ad: row.ad, start: start, stop: stop,
                    figures: previous + row.figures)
            }
            let ordered = groups.values.sorted {
                ($0.start, $0.campaign ?? "", $0.adSet ?? "", $0.ad ?? "")
                    < ($1.start, $1.campaign ?? "", $1.adSet ?? "", $1.ad ?? "")
            }
            let limit = Int(parameters.int("limit") ?? 25)
            let offset = parameters.string("after").flatMap(Int.init) ?? 0
            let page: [JSONValue] = ordered.dropFirst(offset).prefix(max(1, limit)).map { group in
                let conversions = String(group.figures.conversions)
                let value = Self.trimmed(currency.majorUnitText(micros: group.figures.conversionValueMicros))
                var all: [String: JSONValue] = [
                    "account_id": .string(account), "account_currency": .string(owner.currency),
                    "impressions": .string(String(group.figures.impressions)),
                    "clicks": .string(String(group.figures.clicks)),
                    "spend": .string(Self.trimmed(currency.majorUnitText(micros: group.figures.spendMicros))),
                    "date_start": .string(group.start.description), "date_stop": .string(group.stop.description),
                ]
                if let campaign = group.campaign {
                    all["campaign_id"] = .string(campaign)
                    all["campaign_name"] = world.object(.meta, campaign).map { .string($0.name) }
                }
                if let adSet = group.adSet {
                    all["adset_id"] = .string(adSet)
                    all["adset_name"] = world.object(.meta, adSet).map { .string($0.name) }
                }
                if let ad = group.ad {
                    all["ad_id"] = .string(ad)
                    all["ad_name"] = world.object(.meta, ad).map { .string($0.name) }
                }
                if group.figures.conversions > 0 {
                    all["actions"] = [
                        ["action_type": "offsite_conversion.fb_pixel_purchase", "value": .string(conversions)],
                        ["action_type": "purchase", "value": .string(conversions)],
                    ]
                    all["action_values"] = [
                        ["action_type": "offsite_conversion.fb_pixel_purchase", "value": .string(value)],
                        ["action_type": "purchase", "value": .string(value)],
                    ]
                }
                var out: [String: JSONValue] = [:]
                for field in fields + ["date_start", "date_stop"] { if let value = all[field] { out[field] = value } }
                return .object(out)
            }
            var paging: [String: JSONValue] = [
                "cursors": ["before": .string(String(offset)), "after": .string(String(offset + page.count))]
            ]
            if offset + page.count < ordered.count {
                var query = parameters.values.filter { $0.key != "after" }.mapValues {
                    $0.stringValue ?? String(decoding: $0.serialized(), as: UTF8.self)
                }
                query["after"] = String(offset + page.count)
                paging["next"] = .string(
                    "https://graph.facebook.com/\(MetaEmulator.version)/act_\(account)/insights?\(FormEncoding.encode(query))"
                )
            }
            return .json(.ok, ["data": .array(page), "paging": .object(paging)])
        }
    }

    /// One insights row before it is written: an object (account, campaign, ad set or ad) over a range.
    struct Group {
        var campaign: String?
        var adSet: String?
        var ad: String?
        var start: SandboxDay
        var stop: SandboxDay
        var figures: DailyFigures
    }

    /// Meta writes amounts without trailing zeros: "12.3", "12".
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var out = text
        while out.hasSuffix("0") { out.removeLast() }
        if out.hasSuffix(".") { out.removeLast() }
        return out
    }
}
