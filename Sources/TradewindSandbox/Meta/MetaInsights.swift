import Foundation

/// `GET /act_{id}/insights`: level `campaign` or `account`, `time_increment=1` (daily) or the whole range,
/// `time_range={"since","until"}` or `date_preset`, and the fields Tradewind reads. Numbers are strings,
/// as the Graph API sends them; purchases appear in `actions` / `action_values` under both
/// `purchase` and `offsite_conversion.fb_pixel_purchase`.
struct MetaInsights {
    let context: CallContext
    let parameters: MetaParameters

    static let knownFields: Set<String> = [
        "account_id", "account_currency", "campaign_id", "campaign_name", "impressions", "clicks", "spend", "actions",
        "action_values", "date_start", "date_stop",
    ]

    func run(account: String) -> Reply {
        let trace = context.requestID
        let level = parameters.string("level") ?? "account"
        guard ["account", "campaign"].contains(level) else {
            return MetaEmulator.invalidParameter(
                "Param level must be one of {account, campaign} in the sandbox", traceID: trace)
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
            let days = context.store.campaignDays(.meta, account: account, from: since, to: until, in: world)
            let currency = owner.currencyInfo
            // Group rows by (campaign or account) and (day or whole range).
            var groups: [String: (campaign: String?, start: SandboxDay, stop: SandboxDay, figures: DailyFigures)] = [:]
            for row in days {
                let campaign = level == "campaign" ? row.campaignID : nil
                let start = daily ? row.day : since
                let stop = daily ? row.day : until
                let key = "\(campaign ?? "")|\(start)"
                let previous = groups[key]?.figures ?? .zero
                groups[key] = (campaign, start, stop, previous + row.figures)
            }
            let ordered = groups.values.sorted { ($0.start, $0.campaign ?? "") < ($1.start, $1.campaign ?? "") }
            let limit = Int(parameters.int("limit") ?? 25)
            let offset = parameters.string("after").flatMap(Int.init) ?? 0
            let page: [JSONValue] = ordered.dropFirst(offset).prefix(max(1, limit)).map { group in
                let names = world.object(.meta, group.campaign ?? "")?.name
                let conversions = String(group.figures.conversions)
                let value = Self.trimmed(currency.majorUnitText(micros: group.figures.conversionValueMicros))
                var all: [String: JSONValue] = [
                    "account_id": .string(account), "account_currency": .string(owner.currency),
                    "impressions": .string(String(group.figures.impressions)),
                    "clicks": .string(String(group.figures.clicks)),
                    "spend": .string(Self.trimmed(currency.majorUnitText(micros: group.figures.spendMicros))),
                    "date_start": .string(group.start.description), "date_stop": .string(group.stop.description),
                ]
                if let campaign = group.campaign { all["campaign_id"] = .string(campaign) }
                if let names { all["campaign_name"] = .string(names) }
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
                paging["next"] = .string(
                    "https://graph.facebook.com/\(MetaEmulator.version)/act_\(account)/insights?after=\(offset + page.count)"
                )
            }
            return .json(.ok, ["data": .array(page), "paging": .object(paging)])
        }
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
