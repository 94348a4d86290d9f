/// `GET /report/integrated/get/` (synchronous reports), in the shape the SDK's `report_integrated_get.yml`
/// defines: `report_type` BASIC, `data_level` AUCTION_AD, AUCTION_ADGROUP, AUCTION_CAMPAIGN or
/// AUCTION_ADVERTISER, `dimensions` (ad_id / adgroup_id / campaign_id / advertiser_id, stat_time_day),
/// `metrics`, `start_date`, `end_date`, `page`, `page_size`. Rows are `{dimensions:{...}, metrics:{...}}`
/// with every value a string; below the campaign level the attribute metrics (`campaign_id`,
/// `adgroup_id`, `adgroup_name`, `ad_name`) name the row's parents and itself. Ad group figures are
/// each ad group's share of its campaign (`World.adGroupDays`), ad figures each ad's share of its ad
/// group (`World.adDays`).
struct TikTokReport {
    let context: CallContext
    let parameters: TikTokParameters
    let advertiser: String

    /// Metrics served; `total_complete_payment_rate` is, despite its name, the total purchase value
    /// (the SDK maps it to `time_attr_total_shopping_value`).
    static let metrics: Set<String> = [
        "spend", "impressions", "clicks", "conversion", "complete_payment", "total_complete_payment_rate",
        "total_purchase_value", "campaign_name", "currency",
    ]
    /// Attribute metrics TikTok allows only from a data level down, per level.
    static let levelAttributes: [String: Set<String>] = [
        "AUCTION_ADGROUP": ["campaign_id", "adgroup_name"],
        "AUCTION_AD": ["campaign_id", "adgroup_id", "adgroup_name", "ad_name"],
    ]
    /// The dimension naming a row's object, per data level served.
    static let idDimensions = [
        "AUCTION_ADVERTISER": "advertiser_id", "AUCTION_CAMPAIGN": "campaign_id", "AUCTION_ADGROUP": "adgroup_id",
        "AUCTION_AD": "ad_id",
    ]
    static let maxDays = 30

    func run() -> Reply {
        let requestID = context.requestID
        func problem(_ message: String) -> Reply { TikTokEmulator.parameterError(message, requestID: requestID) }
        guard let reportType = parameters.string("report_type") else {
            return problem("report_type: Missing data for required field.")
        }
        guard reportType == "BASIC" else { return problem("report_type: The sandbox serves BASIC reports only.") }
        let level = parameters.string("data_level") ?? "AUCTION_ADVERTISER"
        guard let idDimension = Self.idDimensions[level] else {
            return problem(
                "data_level: Must be one of: \(Self.idDimensions.keys.sorted().joined(separator: ", ")).")
        }
        guard let dimensions = parameters.json("dimensions")?.arrayValue?.compactMap(\.stringValue), !dimensions.isEmpty
        else {
            return problem("dimensions: Missing data for required field.")
        }
        for dimension in dimensions where ![idDimension, "stat_time_day"].contains(dimension) {
            return problem("dimensions: Invalid dimension \(dimension) for data_level \(level).")
        }
        let metrics = parameters.json("metrics")?.arrayValue?.compactMap(\.stringValue) ?? ["spend", "impressions"]
        let served = Self.metrics.union(Self.levelAttributes[level] ?? [])
        if let unknown = metrics.first(where: { !served.contains($0) }) {
            return problem("metrics: Invalid metric: \(unknown).")
        }
        guard let start = parameters.string("start_date").flatMap(SandboxDay.init) else {
            return problem("start_date: Missing data for required field.")
        }
        guard let end = parameters.string("end_date").flatMap(SandboxDay.init) else {
            return problem("end_date: Missing data for required field.")
        }
        guard start <= end else { return problem("end_date: Must be later than or equal to start_date.") }
        if dimensions.contains("stat_time_day"), end.ordinal - start.ordinal >= Self.maxDays {
            return problem(
                "The time span between start_date and end_date cannot exceed \(Self.maxDays) days when grouping by stat_time_day."
            )
        }
        let page = max(1, Int(parameters.int("page") ?? 1))
        let pageSize = Int(parameters.int("page_size") ?? 10)
        guard (1...1000).contains(pageSize) else { return problem("page_size: Must be between 1 and 1000.") }

        return context.store.read { world -> Reply in
            guard let owner = world.account(.tiktok, advertiser) else {
                return problem("advertiser_id: Unknown advertiser.")
            }
            let currency = owner.currencyInfo
            let byDay = dimensions.contains("stat_time_day")
            // Each delivery row as the id of the level's object, its campaign (none for the advertiser)
            // and its ad group (below the campaign level).
            let days: [(id: String, campaign: String, adGroup: String, day: SandboxDay, figures: DailyFigures)] =
                switch level {
                case "AUCTION_AD":
                    context.store.adDays(.tiktok, account: advertiser, from: start, to: end, in: world).map {
                        ($0.adID, $0.campaignID, $0.adGroupID, $0.day, $0.figures)
                    }
                case "AUCTION_ADGROUP":
                    context.store.adGroupDays(.tiktok, account: advertiser, from: start, to: end, in: world).map {
                        ($0.adGroupID, $0.campaignID, $0.adGroupID, $0.day, $0.figures)
                    }
                default:
                    context.store.campaignDays(.tiktok, account: advertiser, from: start, to: end, in: world).map {
                        level == "AUCTION_CAMPAIGN"
                            ? ($0.campaignID, $0.campaignID, "", $0.day, $0.figures)
                            : (advertiser, "", "", $0.day, $0.figures)
                    }
                }
            var groups: [String: Group] = [:]
            for row in days {
                let day = byDay ? row.day : nil
                let key = "\(row.id)|\(day?.description ?? "")"
                groups[key] = Group(
                    id: row.id, campaign: row.campaign, adGroup: row.adGroup, day: day,
                    figures: (groups[key]?.figures ?? .zero) + row.figures)
            }
            let ordered = groups.values.sorted { ($0.day?.ordinal ?? 0, $0.id) < ($1.day?.ordinal ?? 0, $1.id) }
            let slice: [JSONValue] = ordered.dropFirst((page - 1) * pageSize).prefix(pageSize).map { group in
                var dimensionValues: [String: JSONValue] = [idDimension: .string(group.id)]
                if let day = group.day { dimensionValues["stat_time_day"] = .string("\(day) 00:00:00") }
                let value = currency.majorUnitText(micros: group.figures.conversionValueMicros)
                let all: [String: JSONValue] = [
                    "spend": .string(currency.majorUnitText(micros: group.figures.spendMicros)),
                    "impressions": .string(String(group.figures.impressions)),
                    "clicks": .string(String(group.figures.clicks)),
                    "conversion": .string(String(group.figures.conversions)),
                    "complete_payment": .string(String(group.figures.conversions)),
                    "total_complete_payment_rate": .string(value), "total_purchase_value": .string(value),
                    "campaign_name": .string(world.object(.tiktok, group.campaign)?.name ?? ""),
                    "campaign_id": .string(group.campaign), "adgroup_id": .string(group.adGroup),
                    "adgroup_name": .string(world.object(.tiktok, group.adGroup)?.name ?? ""),
                    "ad_name": .string(world.object(.tiktok, group.id)?.name ?? ""),
                    "currency": .string(owner.currency),
                ]
                return [
                    "dimensions": .object(dimensionValues), "metrics": .object(all.filter { metrics.contains($0.key) }),
                ]
            }
            return TikTokEmulator.ok(
                [
                    "list": .array(slice),
                    "page_info": [
                        "page": .int(Int64(page)), "page_size": .int(Int64(pageSize)),
                        "total_number": .int(Int64(ordered.count)),
                        "total_page": .int(Int64((ordered.count + pageSize - 1) / pageSize)),
                    ],
                ], requestID: requestID)
        }
    }

    /// One report row before it is written: the level's object over a day or the whole range.
    struct Group {
        var id: String
        var campaign: String
        var adGroup: String
        var day: SandboxDay?
        var figures: DailyFigures
    }
}
