import Foundation

/// Graph API ad objects: campaigns, ad sets, ad creatives and ads of an ad account; create, read,
/// list with `filtering` and cursor paging, update and delete. Budgets are integers in the account
/// currency's minor units with Meta's offset (1 for JPY, KRW, ...; 100 otherwise) and are answered as
/// strings, as the Graph API answers them.
struct MetaObjects {
    let context: CallContext
    let parameters: MetaParameters
    var trace: String { context.requestID }

    static let objectives: Set<String> = [
        "OUTCOME_APP_PROMOTION", "OUTCOME_AWARENESS", "OUTCOME_ENGAGEMENT", "OUTCOME_LEADS", "OUTCOME_SALES",
        "OUTCOME_TRAFFIC",
    ]
    static let specialAdCategories: Set<String> = [
        "NONE", "CREDIT", "EMPLOYMENT", "HOUSING", "ISSUES_ELECTIONS_POLITICS", "FINANCIAL_PRODUCTS_SERVICES",
        "ONLINE_GAMBLING_AND_GAMING",
    ]
    static let bidStrategies: Set<String> = [
        "LOWEST_COST_WITHOUT_CAP", "LOWEST_COST_WITH_BID_CAP", "COST_CAP", "LOWEST_COST_WITH_MIN_ROAS",
    ]
    static let billingEvents: Set<String> = [
        "APP_INSTALLS", "CLICKS", "IMPRESSIONS", "LINK_CLICKS", "NONE", "OFFER_CLAIMS", "PAGE_LIKES", "POST_ENGAGEMENT",
        "THRUPLAY", "PURCHASE", "LISTING_INTERACTION",
    ]
    static let optimizationGoals: Set<String> = [
        "NONE", "APP_INSTALLS", "AD_RECALL_LIFT", "ENGAGED_USERS", "EVENT_RESPONSES", "IMPRESSIONS", "LEAD_GENERATION",
        "QUALITY_LEAD", "LINK_CLICKS", "OFFSITE_CONVERSIONS", "PAGE_LIKES", "POST_ENGAGEMENT", "QUALITY_CALL", "REACH",
        "LANDING_PAGE_VIEWS", "VISIT_INSTAGRAM_PROFILE", "VALUE", "THRUPLAY", "DERIVED_EVENTS", "CONVERSATIONS",
    ]
    static let createStatuses: Set<String> = ["ACTIVE", "PAUSED"]
    static let updateStatuses: Set<String> = ["ACTIVE", "PAUSED", "ARCHIVED", "DELETED"]
    static let maxNameLength = 400
    /// Meta blocks the fifth budget change of a campaign or ad set within an hour.
    static let budgetChangesPerHour = 4

    static func level(ofEdge edge: String) -> ObjectLevel? {
        switch edge {
        case "campaigns": .campaign
        case "adsets": .adGroup
        case "adcreatives": .creative
        case "ads": .ad
        default: nil
        }
    }

    // MARK: Account

    func account(_ id: String) -> Reply {
        guard let account = context.store.read({ $0.account(.meta, id) }) else {
            return MetaEmulator.objectNotFound("act_\(id)", traceID: trace)
        }
        let all: [String: JSONValue] = [
            "id": .string("act_\(id)"), "account_id": .string(id), "name": .string(account.name),
            "currency": .string(account.currency), "timezone_name": .string(account.timeZone), "account_status": 1,
        ]
        return .json(.ok, .object(select(all, default: ["id"])))
    }

    /// The requested `fields` of an object (plus `id`, always), or `defaults` when none were asked for.
    private func select(_ all: [String: JSONValue], default defaults: [String]) -> [String: JSONValue] {
        let wanted =
            parameters.string("fields")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            ?? defaults
        var out: [String: JSONValue] = [:]
        for field in wanted + ["id"] { if let value = all[field] { out[field] = value } }
        return out
    }

    // MARK: Create

    func create(_ edge: String, account: String) -> Reply {
        guard let level = Self.level(ofEdge: edge) else { return MetaEmulator.objectNotFound(edge, traceID: trace) }
        return context.store.write { world -> Reply in
            guard let owner = world.account(.meta, account) else {
                return MetaEmulator.objectNotFound("act_\(account)", traceID: trace)
            }
            let currency = owner.currencyInfo
            var fields: [String: JSONValue] = ["account_id": .string(account)]
            let name = parameters.string("name")
            if level != .creative || name != nil {
                guard let name, !name.isEmpty else {
                    return MetaEmulator.invalidParameter("The parameter name is required", traceID: trace)
                }
                guard name.count <= Self.maxNameLength else {
                    return MetaEmulator.invalidParameter(
                        "Param name must be at most \(Self.maxNameLength) characters long", traceID: trace)
                }
                fields["name"] = .string(name)
            }
            let status = parameters.string("status") ?? "ACTIVE"
            if level != .creative {
                guard Self.createStatuses.contains(status) else {
                    return MetaEmulator.invalidParameter("Param status must be one of {ACTIVE, PAUSED}", traceID: trace)
                }
                fields["status"] = .string(status)
                fields["effective_status"] = .string(status)
            }
            var parentID: String?
            var budget: Int64?
            switch level {
            case .campaign:
                guard let objective = parameters.string("objective") else {
                    return MetaEmulator.invalidParameter("The parameter objective is required", traceID: trace)
                }
                guard Self.objectives.contains(objective) else {
                    return MetaEmulator.invalidParameter(
                        "Param objective must be one of {\(Self.objectives.sorted().joined(separator: ", "))}",
                        traceID: trace)
                }
                guard let categories = parameters.json("special_ad_categories")?.arrayValue else {
                    return MetaEmulator.invalidParameter(
                        "The parameter special_ad_categories is required", traceID: trace)
                }
                for category in categories where !Self.specialAdCategories.contains(category.stringValue ?? "") {
                    return MetaEmulator.invalidParameter(
                        "Param special_ad_categories[0] must be one of {\(Self.specialAdCategories.sorted().joined(separator: ", "))}",
                        traceID: trace)
                }
                if let strategy = parameters.string("bid_strategy"), !Self.bidStrategies.contains(strategy) {
                    return MetaEmulator.invalidParameter(
                        "Param bid_strategy must be one of {\(Self.bidStrategies.sorted().joined(separator: ", "))}",
                        traceID: trace)
                }
                fields["objective"] = .string(objective)
                fields["special_ad_categories"] = .array(categories)
                fields["bid_strategy"] = parameters.string("bid_strategy").map(JSONValue.string)
                switch checkBudget(currency: currency, into: &fields) {
                case .failure(let failure): return failure.reply
                case .success(let daily): budget = daily
                }
            case .adGroup:
                guard let campaignID = parameters.string("campaign_id"),
                    let campaign = world.object(.meta, campaignID), campaign.account == account,
                    campaign.level == .campaign
                else {
                    return MetaEmulator.invalidParameter(
                        "Param campaign_id must be a valid campaign id of this ad account", traceID: trace)
                }
                parentID = campaignID
                fields["campaign_id"] = .string(campaignID)
                guard let billing = parameters.string("billing_event"), Self.billingEvents.contains(billing) else {
                    return MetaEmulator.invalidParameter(
                        "Param billing_event must be one of {\(Self.billingEvents.sorted().joined(separator: ", "))}",
                        traceID: trace)
                }
                guard let goal = parameters.string("optimization_goal"), Self.optimizationGoals.contains(goal) else {
                    return MetaEmulator.invalidParameter(
                        "Param optimization_goal must be one of {\(Self.optimizationGoals.sorted().joined(separator: ", "))}",
                        traceID: trace)
                }
                fields["billing_event"] = .string(billing)
                fields["optimization_goal"] = .string(goal)
                // Conversions are optimised for a pixel's event: Meta refuses such an ad set without one.
                if goal == "OFFSITE_CONVERSIONS" {
                    guard let promoted = parameters.json("promoted_object"),
                        promoted["pixel_id"]?.stringValue?.isEmpty == false,
                        promoted["custom_event_type"]?.stringValue?.isEmpty == false
                    else {
                        return MetaEmulator.invalidParameter(
                            "Param promoted_object must name a pixel_id and a custom_event_type when optimization_goal is OFFSITE_CONVERSIONS",
                            traceID: trace)
                    }
                    fields["promoted_object"] = promoted
                }
                guard let targeting = parameters.json("targeting"), targeting.objectValue != nil else {
                    return MetaEmulator.invalidParameter("The parameter targeting is required", traceID: trace)
                }
                if let problem = checkTargeting(targeting) { return problem }
                fields["targeting"] = targeting
                for key in ["start_time", "end_time"] {
                    if let text = parameters.string(key) {
                        guard Self.parseTime(text) != nil else {
                            return MetaEmulator.invalidParameter(
                                "Param \(key) must be a valid ISO 8601 time", traceID: trace)
                        }
                        fields[key] = .string(text)
                    }
                }
                if let problem = checkBid(.adGroup, into: &fields) { return problem }
                if campaign.fields["daily_budget"] != nil || campaign.fields["lifetime_budget"] != nil,
                    parameters.has("daily_budget") || parameters.has("lifetime_budget")
                {
                    return MetaEmulator.invalidParameter(
                        "Campaign budget optimization is on: budgets are set at the campaign level",
                        title: "Budget set at campaign level",
                        userMessage: "You can't set an ad set budget when the campaign has a budget.", traceID: trace)
                }
                switch checkBudget(currency: currency, into: &fields) {
                case .failure(let failure): return failure.reply
                case .success(let daily): budget = daily
                }
            case .creative:
                guard let spec = parameters.json("object_story_spec"), let link = spec["link_data"],
                    link["link"]?.stringValue != nil
                else {
                    return MetaEmulator.invalidParameter(
                        "The parameter object_story_spec with link_data.link is required", traceID: trace)
                }
                if let message = link["message"]?.stringValue, message.count > 2200 {
                    return MetaEmulator.invalidParameter(
                        "Param object_story_spec[link_data][message] is too long", traceID: trace)
                }
                fields["object_story_spec"] = spec
            case .ad:
                guard let adSetID = parameters.string("adset_id"),
                    let adSet = world.object(.meta, adSetID), adSet.account == account, adSet.level == .adGroup
                else {
                    return MetaEmulator.invalidParameter(
                        "Param adset_id must be a valid ad set id of this ad account", traceID: trace)
                }
                guard
                    let creativeID = parameters.json("creative")?["creative_id"].flatMap({
                        $0.stringValue ?? $0.int64Value.map(String.init)
                    }),
                    world.object(.meta, creativeID)?.level == .creative
                else {
                    return MetaEmulator.invalidParameter(
                        "Param creative must be {\"creative_id\": <id of an ad creative>}", traceID: trace)
                }
                parentID = adSetID
                fields["adset_id"] = .string(adSetID)
                fields["campaign_id"] = adSet.fields["campaign_id"]
                fields["creative"] = ["id": .string(creativeID)]
            case .budget, .criterion:
                return MetaEmulator.objectNotFound(edge, traceID: trace)
            }
            let id = world.newObjectID(.meta)
            fields["id"] = .string(id)
            fields["created_time"] = .string(Self.timeText(Date()))
            let start = fields["start_time"]?.stringValue.flatMap(Self.parseTime).map(SandboxDay.init(utc:))
            let end = fields["end_time"]?.stringValue.flatMap(Self.parseTime).map(SandboxDay.init(utc:))
            world.insert(
                channel: .meta, account: account, level: level, id: id, parentID: parentID, name: name ?? "",
                status: status, fields: fields, dailyBudgetMicros: budget.map { $0 * currency.minorUnitMicros },
                active: status == "ACTIVE", startDay: start, endDay: end)
            return .json(.ok, ["id": .string(id)])
        }
    }

    /// Reads `daily_budget` / `lifetime_budget` (minor units) into the fields; the daily figure the
    /// metrics use (a lifetime budget spreads over 30 days), or a refusal.
    private func checkBudget(currency: Currency, into fields: inout [String: JSONValue]) -> Result<Int64?, ReplyError> {
        let daily = parameters.values["daily_budget"]
        let lifetime = parameters.values["lifetime_budget"]
        if daily != nil && lifetime != nil {
            return .failure(
                ReplyError(
                    MetaEmulator.invalidParameter(
                        "Only one of daily_budget and lifetime_budget may be set", traceID: trace)))
        }
        guard let given = daily ?? lifetime else { return .success(nil) }
        let key = daily != nil ? "daily_budget" : "lifetime_budget"
        guard let amount = given.int64Value, amount >= 0 else {
            return .failure(
                ReplyError(MetaEmulator.invalidParameter("Param \(key) must be a non-negative integer", traceID: trace))
            )
        }
        let minimum = currency.micros(ofDollars: 1) / currency.minorUnitMicros
        if amount < minimum {
            let text = currency.majorUnitText(micros: minimum * currency.minorUnitMicros)
            return .failure(
                ReplyError(
                    MetaEmulator.invalidParameter(
                        "Invalid parameter", title: "Your Budget Is Too Low",
                        userMessage: "The minimum budget for this object is \(text) \(currency.code) per day.",
                        traceID: trace)))
        }
        fields[key] = .string(String(amount))
        return .success(key == "daily_budget" ? amount : max(1, amount / 30))
    }

    /// Reads the bid parameters the level takes: a campaign's `bid_strategy`, an ad set's
    /// `bid_amount` (an integer in the currency's Meta units) and `bid_constraints`
    /// (`roas_average_floor`, the ratio × 10000); nil, or the refusal.
    private func checkBid(_ level: ObjectLevel, into fields: inout [String: JSONValue]) -> Reply? {
        if let strategy = parameters.string("bid_strategy") {
            guard level == .campaign else {
                return MetaEmulator.invalidParameter(
                    "Campaign budget optimization is on: bid_strategy is set at the campaign level", traceID: trace)
            }
            guard Self.bidStrategies.contains(strategy) else {
                return MetaEmulator.invalidParameter(
                    "Param bid_strategy must be one of {\(Self.bidStrategies.sorted().joined(separator: ", "))}",
                    traceID: trace)
            }
            fields["bid_strategy"] = .string(strategy)
        }
        guard parameters.has("bid_amount") || parameters.has("bid_constraints") else { return nil }
        guard level == .adGroup else {
            return MetaEmulator.invalidParameter(
                "Params bid_amount and bid_constraints are set on ad sets", traceID: trace)
        }
        if parameters.has("bid_amount") {
            guard let amount = parameters.values["bid_amount"]?.int64Value, amount > 0 else {
                return MetaEmulator.invalidParameter("Param bid_amount must be a positive integer", traceID: trace)
            }
            fields["bid_amount"] = .int(amount)
        }
        if parameters.has("bid_constraints") {
            guard let floor = parameters.json("bid_constraints")?["roas_average_floor"]?.int64Value, floor > 0 else {
                return MetaEmulator.invalidParameter(
                    "Param bid_constraints must be {\"roas_average_floor\": <positive integer>}", traceID: trace)
            }
            fields["bid_constraints"] = ["roas_average_floor": .int(floor)]
        }
        return nil
    }

    struct ReplyError: Error {
        let reply: Reply
        init(_ reply: Reply) { self.reply = reply }
    }

    private func checkTargeting(_ targeting: JSONValue) -> Reply? {
        guard let countries = targeting["geo_locations"]?["countries"]?.arrayValue, !countries.isEmpty else {
            return MetaEmulator.invalidParameter(
                "Invalid parameter", title: "Location Required",
                userMessage: "targeting.geo_locations needs countries.", traceID: trace)
        }
        for country in countries
        where !(country.stringValue.map { $0.count == 2 && $0.allSatisfy(\.isUppercase) } ?? false) {
            return MetaEmulator.invalidParameter(
                "Invalid country code in targeting.geo_locations.countries", traceID: trace)
        }
        let minimum = targeting["age_min"]?.int64Value ?? 18
        let maximum = targeting["age_max"]?.int64Value ?? 65
        guard (13...65).contains(minimum), (13...65).contains(maximum), minimum <= maximum else {
            return MetaEmulator.invalidParameter(
                "Invalid parameter", title: "Invalid Age Range",
                userMessage: "age_min and age_max must lie within 13-65, min ≤ max.",
                traceID: trace)
        }
        for locale in targeting["locales"]?.arrayValue ?? [] where locale.int64Value == nil {
            return MetaEmulator.invalidParameter("targeting.locales must be locale ids (integers)", traceID: trace)
        }
        return nil
    }

    // MARK: Read, list, update, delete

    func get(_ id: String) -> Reply {
        guard let object = context.store.read({ $0.object(.meta, id) }) else {
            return MetaEmulator.objectNotFound(id, traceID: trace)
        }
        return .json(.ok, .object(select(object.fields, default: ["id"])))
    }

    /// `GET /{id}/{edge}`: the ad sets or ads under a campaign, the ads under an ad set.
    func edge(_ edge: String, of id: String) -> Reply {
        guard let parent = context.store.read({ $0.object(.meta, id) }) else {
            return MetaEmulator.objectNotFound(id, traceID: trace)
        }
        return list(edge, account: parent.account, under: parent)
    }

    func list(_ edge: String, account: String, under parent: AdObject? = nil) -> Reply {
        guard let level = Self.level(ofEdge: edge) else { return MetaEmulator.objectNotFound(edge, traceID: trace) }
        var objects = context.store.read { world -> [AdObject] in
            let all = world.objects(.meta, account: account, level: level)
            guard let parent else { return all }
            let adSets = Set(
                world.objects(.meta, account: account, level: .adGroup).filter { $0.parentID == parent.id }.map(\.id))
            return all.filter { $0.parentID == parent.id || (level == .ad && adSets.contains($0.parentID ?? "")) }
        }.sorted {
            $0.sequence < $1.sequence
        }
        var filtersStatus = false
        if let filtering = parameters.json("filtering") {
            guard let rules = filtering.arrayValue else {
                return MetaEmulator.invalidParameter(
                    "Param filtering must be an array of {field, operator, value}", traceID: trace)
            }
            for rule in rules {
                guard let field = rule["field"]?.stringValue, let op = rule["operator"]?.stringValue,
                    let value = rule["value"]
                else {
                    return MetaEmulator.invalidParameter(
                        "Param filtering must be an array of {field, operator, value}", traceID: trace)
                }
                let key = field.split(separator: ".").last.map(String.init) ?? field
                if key == "status" || key == "effective_status" { filtersStatus = true }
                guard let test = Self.filter(op, value) else {
                    return MetaEmulator.invalidParameter("Filtering operator \(op) is not supported", traceID: trace)
                }
                objects = objects.filter { test($0.fields[key] ?? .null) }
            }
        }
        if !filtersStatus { objects = objects.filter { $0.status != "DELETED" } }
        let limit = Int(parameters.int("limit") ?? 25)
        let offset =
            parameters.string("after").flatMap { Data(base64Encoded: $0) }.flatMap {
                Int(String(decoding: $0, as: UTF8.self))
            } ?? 0
        let page = Array(objects.dropFirst(offset).prefix(max(1, limit)))
        var paging: [String: JSONValue] = [
            "cursors": [
                "before": .string(Data(String(offset).utf8).base64EncodedString()),
                "after": .string(Data(String(offset + page.count).utf8).base64EncodedString()),
            ]
        ]
        if offset + page.count < objects.count {
            let after = Data(String(offset + page.count).utf8).base64EncodedString()
            paging["next"] = .string(
                "https://graph.facebook.com/\(MetaEmulator.version)/act_\(account)/\(edge)?limit=\(limit)&after=\(after)"
            )
        }
        return .json(
            .ok, ["data": .array(page.map { .object(select($0.fields, default: ["id"])) }), "paging": .object(paging)])
    }

    static func filter(_ op: String, _ value: JSONValue) -> ((JSONValue) -> Bool)? {
        func text(_ value: JSONValue) -> String {
            value.stringValue ?? value.int64Value.map(String.init) ?? ""
        }
        let values = value.arrayValue?.map(text) ?? [text(value)]
        switch op {
        case "EQUAL": return { text($0) == values.first }
        case "NOT_EQUAL": return { text($0) != values.first }
        case "CONTAIN": return { text($0).localizedCaseInsensitiveContains(values.first ?? "") }
        case "NOT_CONTAIN": return { !text($0).localizedCaseInsensitiveContains(values.first ?? "") }
        case "IN": return { values.contains(text($0)) }
        case "NOT_IN": return { !values.contains(text($0)) }
        case "GREATER_THAN": return { (Double(text($0)) ?? 0) > (Double(values.first ?? "") ?? 0) }
        case "LESS_THAN": return { (Double(text($0)) ?? 0) < (Double(values.first ?? "") ?? 0) }
        default: return nil
        }
    }

    func update(_ id: String) -> Reply {
        context.store.write { world -> Reply in
            guard let object = world.object(.meta, id), let index = world.objectIndex(.meta, id),
                let owner = world.account(.meta, object.account)
            else { return MetaEmulator.objectNotFound(id, traceID: trace) }
            let currency = owner.currencyInfo
            var fields = object.fields
            if let status = parameters.string("status") {
                guard Self.updateStatuses.contains(status) else {
                    return MetaEmulator.invalidParameter(
                        "Param status must be one of {ACTIVE, PAUSED, ARCHIVED, DELETED}", traceID: trace)
                }
                fields["status"] = .string(status)
                fields["effective_status"] = .string(status)
            }
            if let name = parameters.string("name") {
                guard !name.isEmpty, name.count <= Self.maxNameLength else {
                    return MetaEmulator.invalidParameter(
                        "Param name must be 1-\(Self.maxNameLength) characters long", traceID: trace)
                }
                fields["name"] = .string(name)
            }
            // Bids and the end are checked before the budget, whose change counts against Meta's
            // hourly limit: a refused update changes nothing.
            if let problem = checkBid(object.level, into: &fields) { return problem }
            var newEnd: SandboxDay??
            if let end = parameters.string("end_time") {
                guard object.level == .adGroup else {
                    return MetaEmulator.invalidParameter("Param end_time is set on ad sets", traceID: trace)
                }
                if end == "0" {
                    // Meta's "no end date" for an ad set on a daily budget.
                    fields["end_time"] = nil
                    newEnd = .some(nil)
                } else {
                    guard let time = Self.parseTime(end) else {
                        return MetaEmulator.invalidParameter(
                            "Param end_time must be a valid ISO 8601 time", traceID: trace)
                    }
                    if let start = fields["start_time"]?.stringValue.flatMap(Self.parseTime), time <= start {
                        return MetaEmulator.invalidParameter(
                            "Invalid parameter", title: "End Time Before Start Time",
                            userMessage: "The ad set's end time must be after its start time.", traceID: trace)
                    }
                    fields["end_time"] = .string(end)
                    newEnd = .some(SandboxDay(utc: time))
                }
            }
            var newBudget: Int64??
            if parameters.has("daily_budget") || parameters.has("lifetime_budget") {
                guard object.level == .campaign || object.level == .adGroup else {
                    return MetaEmulator.invalidParameter("Budgets are set on campaigns and ad sets", traceID: trace)
                }
                let recent = (world.metaBudgetChanges[id] ?? []).filter { Date().timeIntervalSince($0) < 3600 }
                guard recent.count < Self.budgetChangesPerHour else {
                    return MetaEmulator.invalidParameter(
                        "Invalid parameter", title: "Budget Change Limit Reached",
                        userMessage:
                            "This budget was changed \(Self.budgetChangesPerHour) times in the last hour; try again later.",
                        traceID: trace)
                }
                fields["daily_budget"] = nil
                fields["lifetime_budget"] = nil
                switch checkBudget(currency: currency, into: &fields) {
                case .failure(let failure): return failure.reply
                case .success(let daily): newBudget = .some(daily.map { $0 * currency.minorUnitMicros })
                }
                world.metaBudgetChanges[id] = recent + [Date()]
            }
            world.objects[index].fields = fields
            world.objects[index].name = fields["name"]?.stringValue ?? object.name
            if let newEnd { world.objects[index].endDay = newEnd }
            if let status = fields["status"]?.stringValue, status != object.status {
                world.objects[index].status = status
                world.recordChange(.meta, id, active: status == "ACTIVE")
            }
            if let newBudget { world.recordChange(.meta, id, dailyBudgetMicros: newBudget) }
            return .json(.ok, ["success": true])
        }
    }

    func delete(_ id: String) -> Reply {
        context.store.write { world -> Reply in
            guard let index = world.objectIndex(.meta, id) else {
                return MetaEmulator.objectNotFound(id, traceID: trace)
            }
            world.objects[index].status = "DELETED"
            world.objects[index].fields["status"] = "DELETED"
            world.objects[index].fields["effective_status"] = "DELETED"
            world.recordChange(.meta, id, active: false)
            return .json(.ok, ["success": true])
        }
    }

    // MARK: Time

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        if let seconds = TimeInterval(text) { return Date(timeIntervalSince1970: seconds) }
        return SandboxDay(text).map { Date(timeIntervalSince1970: TimeInterval($0.ordinal) * 86_400) }
    }

    /// Graph API time text: "2026-11-30T10:00:00+0000".
    static func timeText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.string(from: date)
    }
}
