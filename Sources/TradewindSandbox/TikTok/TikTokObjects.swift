import Foundation

/// TikTok campaigns, ad groups and ads of an advertiser: create, get (with `filtering` and
/// `page`/`page_size`, answered with `page_info`), update and status update. Budgets are decimal
/// major units (floats), as TikTok sends and answers them.
struct TikTokObjects {
    let context: CallContext
    let parameters: TikTokParameters
    let advertiser: String
    var requestID: String { context.requestID }

    static let objectives: Set<String> = [
        "REACH", "TRAFFIC", "VIDEO_VIEWS", "LEAD_GENERATION", "ENGAGEMENT", "APP_PROMOTION", "WEB_CONVERSIONS",
        "PRODUCT_SALES", "RF_REACH",
    ]
    static let budgetModes: Set<String> = [
        "BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL", "BUDGET_MODE_INFINITE", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET",
    ]
    static let ageGroups: Set<String> = ["AGE_13_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"]
    static let optimizationGoals: Set<String> = [
        "CLICK", "CONVERT", "REACH", "SHOW", "VALUE", "INSTALL", "IN_APP_EVENT", "LEAD_GENERATION", "VIDEO_VIEW",
        "ENGAGED_VIEW", "TRAFFIC_LANDING_PAGE_VIEW",
    ]
    static let billingEvents: Set<String> = ["CPC", "CPM", "OCPM", "CPV"]
    static let bidTypes: Set<String> = ["BID_TYPE_NO_BID", "BID_TYPE_CUSTOM"]
    static let scheduleTypes: Set<String> = ["SCHEDULE_START_END", "SCHEDULE_FROM_NOW"]
    static let callsToAction: Set<String> = [
        "LEARN_MORE", "SHOP_NOW", "SIGN_UP", "CONTACT_US", "APPLY_NOW", "DOWNLOAD", "BOOK_NOW", "ORDER_NOW",
        "GET_QUOTE", "SUBSCRIBE", "WATCH_NOW", "PLAY_GAME", "INSTALL_NOW", "VIEW_NOW",
    ]
    static let adFormats: Set<String> = ["SINGLE_IMAGE", "SINGLE_VIDEO", "CAROUSEL_ADS"]
    static let maxNameLength = 512
    static let maxAdTextLength = 100
    /// Minimum budgets in US dollars: campaign 50, ad group 20 (daily).
    static let campaignMinimumDollars = 50.0
    static let adGroupMinimumDollars = 20.0

    private func missing(_ field: String) -> Reply {
        TikTokEmulator.parameterError("\(field): Missing data for required field.", requestID: requestID)
    }

    private func oneOf(_ field: String, _ values: Set<String>) -> Reply {
        TikTokEmulator.parameterError(
            "\(field): Must be one of: \(values.sorted().joined(separator: ", ")).", requestID: requestID)
    }

    static func timeText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: text)
    }

    func advertiserInfo() -> Reply {
        let ids =
            parameters.json("advertiser_ids")?.arrayValue?.compactMap {
                $0.stringValue ?? $0.int64Value.map(String.init)
            } ?? [advertiser]
        let accounts = context.store.read { world in ids.compactMap { world.account(.tiktok, $0) } }
        return TikTokEmulator.ok(
            [
                "list": .array(
                    accounts.map { account in
                        [
                            "advertiser_id": .string(account.id), "name": .string(account.name),
                            "currency": .string(account.currency),
                            "timezone": .string(account.timeZone), "display_timezone": .string(account.timeZone),
                            "country": .string(account.countryCode), "status": "STATUS_ENABLE",
                            "role": "ROLE_ADVERTISER",
                        ]
                    })
            ], requestID: requestID)
    }

    // MARK: Budgets

    /// Reads budget_mode and budget; the daily budget in micros the metrics use, or a refusal.
    private func budget(
        _ world: World, level: ObjectLevel, into fields: inout [String: JSONValue], required: Bool
    ) -> Result<Int64?, TikTokFailure> {
        let currency = world.account(.tiktok, advertiser)?.currencyInfo ?? Currency("USD")
        let mode = parameters.string("budget_mode") ?? (required ? nil : "BUDGET_MODE_INFINITE")
        guard let mode else { return .failure(TikTokFailure(missing("budget_mode"))) }
        guard Self.budgetModes.contains(mode) else {
            return .failure(TikTokFailure(oneOf("budget_mode", Self.budgetModes)))
        }
        fields["budget_mode"] = .string(mode)
        if mode == "BUDGET_MODE_INFINITE" {
            fields["budget"] = 0.0
            return .success(nil)
        }
        guard let amount = parameters.double("budget") else { return .failure(TikTokFailure(missing("budget"))) }
        guard let micros = Currency.micros(ofMajorUnits: amount), micros % currency.minorUnitMicros == 0 else {
            return .failure(
                TikTokFailure(
                    TikTokEmulator.parameterError(
                        "budget: Not a valid amount for \(currency.code).", requestID: requestID)))
        }
        let dollars = level == .campaign ? Self.campaignMinimumDollars : Self.adGroupMinimumDollars
        let minimum = currency.micros(ofDollars: dollars)
        if micros < minimum {
            return .failure(
                TikTokFailure(
                    TikTokEmulator.parameterError(
                        "budget: The budget must be at least \(currency.majorUnitText(micros: minimum)) \(currency.code).",
                        requestID: requestID)))
        }
        fields["budget"] = .double(amount)
        // A total budget spreads over 30 days in the sandbox.
        return .success(mode == "BUDGET_MODE_TOTAL" ? micros / 30 : micros)
    }

    struct TikTokFailure: Error {
        let reply: Reply
        init(_ reply: Reply) { self.reply = reply }
    }

    // MARK: Create

    func create(_ level: ObjectLevel) -> Reply {
        let nameKey = level == .campaign ? "campaign_name" : "adgroup_name"
        return context.store.write { world -> Reply in
            guard let name = parameters.string(nameKey), !name.isEmpty else { return missing(nameKey) }
            guard name.count <= Self.maxNameLength else {
                return TikTokEmulator.parameterError(
                    "\(nameKey): Length must be at most \(Self.maxNameLength).", requestID: requestID)
            }
            let status = parameters.string("operation_status") ?? "ENABLE"
            guard ["ENABLE", "DISABLE"].contains(status) else {
                return oneOf("operation_status", ["ENABLE", "DISABLE"])
            }
            var fields: [String: JSONValue] = [
                "advertiser_id": .string(advertiser), .init(stringLiteral: nameKey): .string(name),
                "operation_status": .string(status),
            ]
            var parentID: String?
            var start: SandboxDay?
            var end: SandboxDay?
            if level == .campaign {
                guard let objective = parameters.string("objective_type") else { return missing("objective_type") }
                guard Self.objectives.contains(objective) else { return oneOf("objective_type", Self.objectives) }
                fields["objective_type"] = .string(objective)
            } else {
                guard let campaignID = parameters.string("campaign_id") else { return missing("campaign_id") }
                guard let campaign = world.object(.tiktok, campaignID), campaign.account == advertiser,
                    campaign.level == .campaign
                else {
                    return TikTokEmulator.parameterError(
                        "campaign_id: Campaign \(campaignID) does not exist.", requestID: requestID)
                }
                parentID = campaignID
                fields["campaign_id"] = .string(campaignID)
                guard let locations = parameters.json("location_ids")?.arrayValue, !locations.isEmpty else {
                    return missing("location_ids")
                }
                for location in locations
                where (location.stringValue ?? location.int64Value.map(String.init)).map({ !$0.allSatisfy(\.isNumber) })
                    ?? true
                {
                    return TikTokEmulator.parameterError("location_ids: Invalid location id.", requestID: requestID)
                }
                fields["location_ids"] = .array(
                    locations.map { .string($0.stringValue ?? $0.int64Value.map(String.init) ?? "") })
                if let ages = parameters.json("age_groups")?.arrayValue {
                    for age in ages where !Self.ageGroups.contains(age.stringValue ?? "") {
                        return oneOf("age_groups", Self.ageGroups)
                    }
                    fields["age_groups"] = .array(ages)
                }
                if let languages = parameters.json("languages")?.arrayValue { fields["languages"] = .array(languages) }
                for (key, values) in [
                    ("optimization_goal", Self.optimizationGoals), ("billing_event", Self.billingEvents),
                    ("schedule_type", Self.scheduleTypes),
                ] {
                    guard let value = parameters.string(key) else { return missing(key) }
                    guard values.contains(value) else { return oneOf(key, values) }
                    fields[key] = .string(value)
                }
                fields["bid_type"] = "BID_TYPE_NO_BID"
                if let problem = bid(into: &fields) { return problem }
                guard let startText = parameters.string("schedule_start_time") else {
                    return missing("schedule_start_time")
                }
                guard let startTime = Self.parseTime(startText) else {
                    return TikTokEmulator.parameterError(
                        "schedule_start_time: Not a valid datetime (YYYY-MM-DD HH:MM:SS).", requestID: requestID)
                }
                fields["schedule_start_time"] = .string(startText)
                start = SandboxDay(utc: startTime)
                if fields["schedule_type"] == "SCHEDULE_START_END" {
                    guard let endText = parameters.string("schedule_end_time") else {
                        return missing("schedule_end_time")
                    }
                    guard let endTime = Self.parseTime(endText), endTime > startTime else {
                        return TikTokEmulator.parameterError(
                            "schedule_end_time: Must be later than schedule_start_time.", requestID: requestID)
                    }
                    fields["schedule_end_time"] = .string(endText)
                    end = SandboxDay(utc: endTime)
                }
                if let placement = parameters.string("placement_type") { fields["placement_type"] = .string(placement) }
                if let pacing = parameters.string("pacing") { fields["pacing"] = .string(pacing) }
            }
            let campaignHasBudget =
                parentID.flatMap { world.object(.tiktok, $0) }.map {
                    $0.fields["budget_mode"] != "BUDGET_MODE_INFINITE"
                } ?? false
            let daily: Int64?
            switch budget(world, level: level, into: &fields, required: level == .campaign || !campaignHasBudget) {
            case .failure(let failure): return failure.reply
            case .success(let value): daily = value
            }
            let id = world.newObjectID(.tiktok)
            let idKey = level == .campaign ? "campaign_id" : "adgroup_id"
            fields[idKey] = .string(id)
            fields["secondary_status"] = .string(Self.secondaryStatus(level, status))
            fields["create_time"] = .string(Self.timeText(Date()))
            fields["modify_time"] = fields["create_time"]
            world.insert(
                channel: .tiktok, account: advertiser, level: level, id: id, parentID: parentID, name: name,
                status: status, fields: fields, dailyBudgetMicros: daily, active: status == "ENABLE", startDay: start,
                endDay: end)
            return TikTokEmulator.ok(.object(fields), requestID: requestID)
        }
    }

    static func secondaryStatus(_ level: ObjectLevel, _ operation: String) -> String {
        let prefix = level == .campaign ? "CAMPAIGN_STATUS" : level == .adGroup ? "ADGROUP_STATUS" : "AD_STATUS"
        switch operation {
        case "ENABLE": return level == .campaign ? "\(prefix)_ENABLE" : "\(prefix)_DELIVERY_OK"
        case "DELETE": return "\(prefix)_DELETE"
        // A disabled ad reads AD_STATUS_DISABLE, as TikTok names an ad paused on its own.
        default: return level == .adGroup ? "\(prefix)_CAMPAIGN_DISABLE" : "\(prefix)_DISABLE"
        }
    }

    func createAds() -> Reply {
        context.store.write { world -> Reply in
            guard let groupID = parameters.string("adgroup_id") else { return missing("adgroup_id") }
            guard let group = world.object(.tiktok, groupID), group.account == advertiser, group.level == .adGroup
            else {
                return TikTokEmulator.parameterError(
                    "adgroup_id: Ad group \(groupID) does not exist.", requestID: requestID)
            }
            guard let creatives = parameters.json("creatives")?.arrayValue, !creatives.isEmpty else {
                return missing("creatives")
            }
            var created: [String] = []
            var failures: [String] = []
            for (index, creative) in creatives.enumerated() {
                let problem: String? =
                    if context.injectPartialFailure && index == 1 {
                        "creatives[1]: Internal error, please retry."
                    } else {
                        Self.check(creative, index: index)
                    }
                if let problem {
                    if creatives.count == 1 { return TikTokEmulator.parameterError(problem, requestID: requestID) }
                    failures.append(problem)
                    continue
                }
                let id = world.newObjectID(.tiktok)
                var fields = creative.objectValue ?? [:]
                fields["ad_id"] = .string(id)
                fields["adgroup_id"] = .string(groupID)
                fields["campaign_id"] = group.fields["campaign_id"]
                fields["advertiser_id"] = .string(advertiser)
                fields["operation_status"] = "ENABLE"
                fields["secondary_status"] = "AD_STATUS_DELIVERY_OK"
                fields["create_time"] = .string(Self.timeText(Date()))
                world.insert(
                    channel: .tiktok, account: advertiser, level: .ad, id: id, parentID: groupID,
                    name: creative["ad_name"]?.stringValue ?? "", status: "ENABLE", fields: fields,
                    dailyBudgetMicros: nil, active: true)
                created.append(id)
            }
            if !failures.isEmpty {
                // TikTok's ERROR_CODE_PARTIAL_OK: some items were created, the message names the others.
                return TikTokEmulator.envelope(
                    20001, "Partial success. " + failures.joined(separator: " "),
                    data: ["ad_ids": .array(created.map(JSONValue.string))],
                    requestID: requestID)
            }
            return TikTokEmulator.ok(["ad_ids": .array(created.map(JSONValue.string))], requestID: requestID)
        }
    }

    static func check(_ creative: JSONValue, index: Int) -> String? {
        let at = "creatives[\(index)]"
        guard let name = creative["ad_name"]?.stringValue, !name.isEmpty else {
            return "\(at).ad_name: Missing data for required field."
        }
        guard let format = creative["ad_format"]?.stringValue else {
            return "\(at).ad_format: Missing data for required field."
        }
        guard adFormats.contains(format) else {
            return "\(at).ad_format: Must be one of: \(adFormats.sorted().joined(separator: ", "))."
        }
        guard let text = creative["ad_text"]?.stringValue, !text.isEmpty else {
            return "\(at).ad_text: Missing data for required field."
        }
        guard text.count <= maxAdTextLength else { return "\(at).ad_text: Length must be at most \(maxAdTextLength)." }
        if let action = creative["call_to_action"]?.stringValue, !callsToAction.contains(action) {
            return "\(at).call_to_action: Must be one of: \(callsToAction.sorted().joined(separator: ", "))."
        }
        guard let url = creative["landing_page_url"]?.stringValue, url.hasPrefix("https://") || url.hasPrefix("http://")
        else {
            return "\(at).landing_page_url: Not a valid URL."
        }
        if format == "SINGLE_IMAGE" && (creative["image_ids"]?.arrayValue ?? []).isEmpty {
            return "\(at).image_ids: Missing data for required field."
        }
        return nil
    }

    /// Reads `bid_type` and the bid it needs: a custom bid names `bid_price` (per click) or
    /// `conversion_bid_price` (per conversion), a positive decimal in major units; no bid drops them.
    private func bid(into fields: inout [String: JSONValue]) -> Reply? {
        if let type = parameters.string("bid_type") {
            guard Self.bidTypes.contains(type) else { return oneOf("bid_type", Self.bidTypes) }
            fields["bid_type"] = .string(type)
        }
        for key in ["bid_price", "conversion_bid_price"] where parameters.values[key] != nil {
            guard let price = parameters.double(key), price > 0 else {
                return TikTokEmulator.parameterError("\(key): Must be greater than 0.", requestID: requestID)
            }
            fields[key] = .double(price)
        }
        if fields["bid_type"] == "BID_TYPE_NO_BID" {
            fields["bid_price"] = nil
            fields["conversion_bid_price"] = nil
        } else if fields["bid_price"] == nil && fields["conversion_bid_price"] == nil {
            return missing("bid_price")
        }
        return nil
    }

    /// Reads a change of `schedule_type` and `schedule_end_time` against the ad group's start.
    private func schedule(into fields: inout [String: JSONValue]) -> Result<SandboxDay?, TikTokFailure> {
        if let type = parameters.string("schedule_type") {
            guard Self.scheduleTypes.contains(type) else {
                return .failure(TikTokFailure(oneOf("schedule_type", Self.scheduleTypes)))
            }
            fields["schedule_type"] = .string(type)
        }
        if let text = parameters.string("schedule_start_time") {
            guard Self.parseTime(text) != nil else {
                return .failure(
                    TikTokFailure(
                        TikTokEmulator.parameterError(
                            "schedule_start_time: Not a valid datetime (YYYY-MM-DD HH:MM:SS).", requestID: requestID)))
            }
            fields["schedule_start_time"] = .string(text)
        }
        if fields["schedule_type"] == "SCHEDULE_FROM_NOW" {
            fields["schedule_end_time"] = nil
            return .success(nil)
        }
        if let text = parameters.string("schedule_end_time") { fields["schedule_end_time"] = .string(text) }
        guard let endText = fields["schedule_end_time"]?.stringValue else {
            return .failure(TikTokFailure(missing("schedule_end_time")))
        }
        let start = fields["schedule_start_time"]?.stringValue.flatMap(Self.parseTime)
        guard let end = Self.parseTime(endText), start.map({ end > $0 }) ?? true else {
            return .failure(
                TikTokFailure(
                    TikTokEmulator.parameterError(
                        "schedule_end_time: Must be later than schedule_start_time.", requestID: requestID)))
        }
        return .success(SandboxDay(utc: end))
    }

    // MARK: Get

    func list(_ level: ObjectLevel) -> Reply {
        let page = max(1, Int(parameters.int("page") ?? 1))
        let pageSize = Int(parameters.int("page_size") ?? 10)
        guard (1...1000).contains(pageSize) else {
            return TikTokEmulator.parameterError(
                "page_size: Must be greater than or equal to 1 and less than or equal to 1000.", requestID: requestID)
        }
        let filtering = parameters.json("filtering")
        if let filtering, filtering.objectValue == nil {
            return TikTokEmulator.parameterError("filtering: Not a valid mapping type.", requestID: requestID)
        }
        var objects = context.store.read { $0.objects(.tiktok, account: advertiser, level: level) }.sorted {
            $0.sequence < $1.sequence
        }
        let idKey = level == .campaign ? "campaign_ids" : level == .adGroup ? "adgroup_ids" : "ad_ids"
        if let ids = filtering?[idKey]?.arrayValue {
            let wanted = Set(ids.compactMap { $0.stringValue ?? $0.int64Value.map(String.init) })
            objects = objects.filter { wanted.contains($0.id) }
        }
        if let campaignIDs = filtering?["campaign_ids"]?.arrayValue, level != .campaign {
            let wanted = Set(campaignIDs.compactMap { $0.stringValue ?? $0.int64Value.map(String.init) })
            objects = objects.filter { wanted.contains($0.fields["campaign_id"]?.stringValue ?? "") }
        }
        let nameKey = level == .campaign ? "campaign_name" : level == .adGroup ? "adgroup_name" : "ad_name"
        if let name = filtering?[nameKey]?.stringValue {
            objects = objects.filter { $0.name.localizedCaseInsensitiveContains(name) }
        }
        if let primary = filtering?["primary_status"]?.stringValue {
            objects = objects.filter {
                switch primary {
                case "STATUS_DELETE": $0.status == "DELETE"
                case "STATUS_ALL": true
                case "STATUS_NOT_DELETE": $0.status != "DELETE"
                default: $0.status != "DELETE"
                }
            }
        } else {
            objects = objects.filter { $0.status != "DELETE" }
        }
        let total = objects.count
        let slice = Array(objects.dropFirst((page - 1) * pageSize).prefix(pageSize))
        return TikTokEmulator.ok(
            [
                "list": .array(slice.map { .object($0.fields) }),
                "page_info": [
                    "page": .int(Int64(page)), "page_size": .int(Int64(pageSize)), "total_number": .int(Int64(total)),
                    "total_page": .int(Int64((total + pageSize - 1) / pageSize)),
                ],
            ], requestID: requestID)
    }

    // MARK: Update

    func update(_ level: ObjectLevel) -> Reply {
        let idKey = level == .campaign ? "campaign_id" : "adgroup_id"
        let nameKey = level == .campaign ? "campaign_name" : "adgroup_name"
        return context.store.write { world -> Reply in
            guard let id = parameters.string(idKey) else { return missing(idKey) }
            guard let object = world.object(.tiktok, id), object.account == advertiser, object.level == level,
                let index = world.objectIndex(.tiktok, id)
            else { return TikTokEmulator.parameterError("\(idKey): \(id) does not exist.", requestID: requestID) }
            guard object.status != "DELETE" else {
                return TikTokEmulator.parameterError(
                    "\(idKey): \(id) has been deleted and cannot be modified.", requestID: requestID)
            }
            var fields = object.fields
            if let name = parameters.string(nameKey) {
                guard !name.isEmpty, name.count <= Self.maxNameLength else {
                    return TikTokEmulator.parameterError(
                        "\(nameKey): Length must be between 1 and \(Self.maxNameLength).", requestID: requestID)
                }
                fields[nameKey] = .string(name)
            }
            var newEnd: SandboxDay??
            if level == .adGroup {
                if let problem = bid(into: &fields) { return problem }
                if parameters.values["schedule_type"] != nil || parameters.values["schedule_end_time"] != nil
                    || parameters.values["schedule_start_time"] != nil
                {
                    switch schedule(into: &fields) {
                    case .failure(let failure): return failure.reply
                    case .success(let end): newEnd = .some(end)
                    }
                }
            }
            var newBudget: Int64??
            if parameters.values["budget"] != nil {
                var probe = fields
                probe["budget_mode"] = nil
                let modeGiven = parameters.string("budget_mode") != nil
                if !modeGiven { probe["budget_mode"] = fields["budget_mode"] }
                let saved = parameters
                let effective =
                    modeGiven
                    ? saved
                    : TikTokParameters(merging: saved, ["budget_mode": fields["budget_mode"] ?? "BUDGET_MODE_DAY"])
                let updater = TikTokObjects(context: context, parameters: effective, advertiser: advertiser)
                switch updater.budget(world, level: level, into: &fields, required: true) {
                case .failure(let failure): return failure.reply
                case .success(let daily): newBudget = .some(daily)
                }
            }
            fields["modify_time"] = .string(Self.timeText(Date()))
            // Nothing is kept until every parameter passed: a refused update changes nothing.
            world.objects[index].fields = fields
            world.objects[index].name = fields[nameKey]?.stringValue ?? object.name
            if let newEnd { world.objects[index].endDay = newEnd }
            if let newBudget { world.recordChange(.tiktok, id, dailyBudgetMicros: newBudget) }
            return TikTokEmulator.ok(.object(fields), requestID: requestID)
        }
    }

    /// `campaign/status/update/`, `adgroup/status/update/` and `ad/status/update/`: `operation_status`
    /// ENABLE, DISABLE or DELETE for the ids in `campaign_ids`, `adgroup_ids` or `ad_ids`.
    func updateStatus(_ level: ObjectLevel) -> Reply {
        let idsKey = level == .campaign ? "campaign_ids" : level == .adGroup ? "adgroup_ids" : "ad_ids"
        return context.store.write { world -> Reply in
            guard
                let ids = parameters.json(idsKey)?.arrayValue?.compactMap({
                    $0.stringValue ?? $0.int64Value.map(String.init)
                }),
                !ids.isEmpty
            else { return missing(idsKey) }
            guard let operation = parameters.string("operation_status") else { return missing("operation_status") }
            guard ["ENABLE", "DISABLE", "DELETE"].contains(operation) else {
                return oneOf("operation_status", ["ENABLE", "DISABLE", "DELETE"])
            }
            var done: [String] = []
            var failed: [String] = []
            for (index, id) in ids.enumerated() {
                guard !(context.injectPartialFailure && index == 1),
                    let object = world.object(.tiktok, id), object.account == advertiser, object.level == level,
                    object.status != "DELETE", let position = world.objectIndex(.tiktok, id)
                else {
                    failed.append(id)
                    continue
                }
                world.objects[position].status = operation
                world.objects[position].fields["operation_status"] = .string(
                    operation == "DELETE" ? "DISABLE" : operation)
                world.objects[position].fields["secondary_status"] = .string(Self.secondaryStatus(level, operation))
                world.recordChange(.tiktok, id, active: operation == "ENABLE")
                done.append(id)
            }
            let data: JSONValue = [
                .init(stringLiteral: idsKey): .array(done.map(JSONValue.string)), "status": .string(operation),
            ]
            if failed.isEmpty { return TikTokEmulator.ok(data, requestID: requestID) }
            if done.isEmpty {
                return TikTokEmulator.parameterError(
                    "\(idsKey): \(failed.joined(separator: ", ")) cannot be updated.", requestID: requestID)
            }
            return TikTokEmulator.envelope(
                20001, "Partial success. Failed \(idsKey): \(failed.joined(separator: ", ")).", data: data,
                requestID: requestID)
        }
    }
}

extension TikTokParameters {
    init(merging base: TikTokParameters, _ extra: [String: JSONValue]) {
        self.values = base.values.merging(extra) { old, _ in old }
    }
}
