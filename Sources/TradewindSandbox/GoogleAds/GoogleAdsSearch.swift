import Foundation

/// `googleAds:search` and `googleAds:searchStream` over the sandbox's objects and daily metrics.
///
/// Resources: customer, campaign, campaign_budget, ad_group, ad_group_ad, and the Customer Match
/// user_list and offline_user_data_job (`GoogleUserLists`). Metrics (impressions, clicks,
/// cost_micros, conversions, conversions_value) are served FROM customer, FROM campaign, FROM ad_group
/// (each ad group's share of its campaign, `World.adGroupDays`) and FROM ad_group_ad (each ad's share
/// of its ad group, `World.adDays`), optionally by `segments.date`; the sandbox refuses metrics on the
/// other resources rather than invent them.
struct GoogleAdsSearch {
    let customerID: String
    let requestID: String

    /// Selectable attribute fields per resource (GAQL names).
    static let attributes: [String: Set<String>] = [
        "customer": ["id", "descriptive_name", "currency_code", "time_zone", "resource_name", "status"],
        "campaign": [
            "id", "name", "status", "resource_name", "campaign_budget", "advertising_channel_type", "start_date",
            "end_date", "bidding_strategy_type", "manual_cpc.enhanced_cpc_enabled",
            "maximize_conversions.target_cpa_micros", "maximize_conversion_value.target_roas",
        ],
        "campaign_budget": [
            "id", "name", "amount_micros", "resource_name", "delivery_method", "explicitly_shared", "period", "status",
        ],
        "ad_group": ["id", "name", "status", "resource_name", "campaign", "type", "cpc_bid_micros"],
        "ad_group_ad": [
            "resource_name", "status", "ad_group", "ad.id", "ad.resource_name", "ad.name", "ad.type", "ad.final_urls",
            "ad.responsive_search_ad.headlines", "ad.responsive_search_ad.descriptions",
            "ad.responsive_search_ad.path1", "ad.responsive_search_ad.path2",
        ],
        "user_list": [
            "id", "name", "resource_name", "description", "membership_status", "membership_life_span", "type",
            "size_for_search", "size_for_display", "crm_based_user_list.upload_key_type",
            "crm_based_user_list.data_source_type",
        ],
        "offline_user_data_job": [
            "id", "resource_name", "status", "type", "failure_reason", "customer_match_user_list_metadata.user_list",
        ],
    ]
    /// Resources whose fields may be selected FROM each resource (the main one first).
    static let attributed: [String: [String]] = [
        "customer": ["customer"],
        "campaign": ["campaign", "campaign_budget", "customer"],
        "campaign_budget": ["campaign_budget", "customer"],
        "ad_group": ["ad_group", "campaign", "customer"],
        "ad_group_ad": ["ad_group_ad", "ad_group", "campaign", "customer"],
        "user_list": ["user_list", "customer"],
        "offline_user_data_job": ["offline_user_data_job", "customer"],
    ]
    /// Resources that serve metrics and `segments.date`.
    static let measured: Set<String> = ["customer", "campaign", "ad_group", "ad_group_ad"]
    /// A resource held inside another's rows and named like any resource: an ad group ad's `ad`
    /// carries its own `resourceName` (`customers/{c}/ads/{id}`) whenever one of its fields is selected.
    static let nestedResources = ["ad_group_ad": "ad"]
    static let metrics: Set<String> = ["impressions", "clicks", "cost_micros", "conversions", "conversions_value"]
    static let streamBatchRows = 10_000
    static let int64Fields: Set<String> = [
        "customer.id", "campaign.id", "campaign_budget.id", "campaign_budget.amount_micros", "ad_group.id",
        "ad_group.cpc_bid_micros", "campaign.maximize_conversions.target_cpa_micros", "ad_group_ad.ad.id",
        "metrics.impressions", "metrics.clicks", "metrics.cost_micros",
    ]

    /// `BiddingStrategyTypeEnum` of the scheme the campaign holds; a target CPA under Maximize
    /// conversions is still MAXIMIZE_CONVERSIONS, as Google reports it.
    static func biddingStrategyType(_ fields: [String: JSONValue]) -> JSONValue {
        let types: [(String, String)] = [
            ("manualCpc", "MANUAL_CPC"), ("manualCpm", "MANUAL_CPM"), ("maximizeConversions", "MAXIMIZE_CONVERSIONS"),
            ("maximizeConversionValue", "MAXIMIZE_CONVERSION_VALUE"), ("targetSpend", "TARGET_SPEND"),
            ("targetCpa", "TARGET_CPA"), ("targetRoas", "TARGET_ROAS"),
        ]
        return .string(types.first { fields[$0.0] != nil }?.1 ?? "UNSPECIFIED")
    }

    func run(_ body: JSONValue, stream: Bool, store: SandboxStore) -> Reply {
        for key in (body.objectValue ?? [:]).keys
        where !["query", "summaryRowSetting", "pageToken", "pageSize", "returnTotalResultsCount", "searchSettings"]
            .contains(key)
        {
            return GoogleResourceJSON.unknownName(key, at: "")
        }
        guard let text = body["query"]?.stringValue, !text.isEmpty else {
            return failure(GAQLQuery.Failure(code: "EXPECTED_SELECT", message: "The query is empty."))
        }
        let query: GAQLQuery
        do {
            query = try GAQLQuery.parse(text)
            try validate(query)
        } catch {
            return failure(error)
        }
        let rows: [JSONValue]
        do {
            rows = try store.read { world throws(GAQLQuery.Failure) in try execute(query, world, store: store) }
        } catch {
            return failure(error)
        }
        let fieldMask = query.fields.map {
            $0.split(separator: ".").map { lowerCamelCase(String($0)) }.joined(separator: ".")
        }
        .joined(separator: ",")
        if stream {
            // searchStream answers in batches of up to 10,000 rows, each naming the field mask and request.
            let batches = stride(from: 0, to: max(rows.count, 1), by: Self.streamBatchRows).map { start in
                JSONValue.object([
                    "results": .array(Array(rows[start..<min(start + Self.streamBatchRows, rows.count)])),
                    "fieldMask": .string(fieldMask), "requestId": .string(requestID),
                ])
            }
            return .json(.ok, .array(batches))
        }
        return .json(.ok, ["results": .array(rows), "fieldMask": .string(fieldMask)])
    }

    private func failure(_ failure: GAQLQuery.Failure) -> Reply {
        GoogleAdsStatus.failure(
            .badRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.",
            errors: [
                GoogleAdsError(
                    "queryError", failure.code, failure.message, trigger: failure.trigger.map(GoogleAdsError.trigger))
            ], requestID: requestID)
    }

    // MARK: Validation

    private func validate(_ query: GAQLQuery) throws(GAQLQuery.Failure) {
        guard let allowed = Self.attributed[query.resource] else {
            throw GAQLQuery.Failure(
                code: "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                message: "Invalid resource type was specified in the FROM clause.", trigger: query.resource)
        }
        let servesMetrics = Self.measured.contains(query.resource)
        for field in query.fields + query.conditions.map(\.field) + query.ordering.map(\.field) {
            let (resource, member) = Self.split(field)
            if resource == "metrics" {
                guard Self.metrics.contains(member) else {
                    throw GAQLQuery.Failure(
                        code: "UNRECOGNIZED_FIELD", message: "Query contains one or more unrecognized fields.",
                        trigger: field)
                }
                guard servesMetrics else {
                    throw GAQLQuery.Failure(
                        code: "PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE",
                        message: "The sandbox serves metrics FROM customer, campaign, ad_group and ad_group_ad only.",
                        trigger: field)
                }
            } else if resource == "segments" {
                guard member == "date" else {
                    throw GAQLQuery.Failure(
                        code: "UNRECOGNIZED_FIELD", message: "Query contains one or more unrecognized fields.",
                        trigger: field)
                }
                guard servesMetrics else {
                    throw GAQLQuery.Failure(
                        code: "PROHIBITED_SEGMENT_IN_SELECT_OR_WHERE_CLAUSE",
                        message: "The sandbox segments by date FROM customer, campaign, ad_group and ad_group_ad only.",
                        trigger: field)
                }
            } else {
                guard Self.attributes[resource]?.contains(member) ?? false else {
                    throw GAQLQuery.Failure(
                        code: "UNRECOGNIZED_FIELD", message: "Query contains one or more unrecognized fields.",
                        trigger: field)
                }
                guard allowed.contains(resource) else {
                    throw GAQLQuery.Failure(
                        code: "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
                        message: "A field that comes from an incompatible resource was included in the SELECT clause.",
                        trigger: field)
                }
            }
        }
        for condition in query.conditions where condition.field == "segments.date" {
            guard ["=", ">", ">=", "<", "<=", "BETWEEN", "DURING", "IN"].contains(condition.op) else {
                throw GAQLQuery.Failure(
                    code: "OPERATOR_FIELD_MISMATCH",
                    message: "An operator was provided that is inapplicable to the field being filtered.",
                    trigger: condition.field)
            }
            if condition.op != "DURING" {
                for value in condition.values where SandboxDay(value) == nil || value.count != 10 {
                    throw GAQLQuery.Failure(
                        code: condition.op == "BETWEEN" ? "INVALID_VALUE_WITH_BETWEEN_OPERATOR" : "INVALID_DATE_FORMAT",
                        message: "Invalid date format. Expected 'YYYY-MM-DD'.", trigger: value)
                }
            } else if Self.during(condition.values.first ?? "", today: SandboxDay(ordinal: 0)) == nil {
                throw GAQLQuery.Failure(
                    code: "INVALID_VALUE_WITH_DURING_OPERATOR",
                    message: "The value passed to the DURING operator is not a Date range literal",
                    trigger: condition.values.first)
            }
        }
        for (field, _) in query.ordering where !query.fields.contains(field) {
            throw GAQLQuery.Failure(
                code: "EXPECTED_REFERENCED_FIELD_IN_SELECT_CLAUSE",
                message: "Fields used in WHERE or ORDER BY clauses are missing from the SELECT clause.", trigger: field)
        }
    }

    static func split(_ field: String) -> (String, String) {
        guard let dot = field.firstIndex(of: ".") else { return (field, "") }
        return (String(field[..<dot]), String(field[field.index(after: dot)...]))
    }

    /// The days a DURING literal covers.
    static func during(_ literal: String, today: SandboxDay) -> ClosedRange<SandboxDay>? {
        switch literal {
        case "TODAY": today...today
        case "YESTERDAY": today.adding(days: -1)...today.adding(days: -1)
        case "LAST_7_DAYS": today.adding(days: -7)...today.adding(days: -1)
        case "LAST_14_DAYS": today.adding(days: -14)...today.adding(days: -1)
        case "LAST_30_DAYS": today.adding(days: -30)...today.adding(days: -1)
        default: nil
        }
    }

    // MARK: Execution

    /// The date range the conditions on segments.date allow; nil bounds are open.
    private func dateBounds(_ query: GAQLQuery, today: SandboxDay) -> (SandboxDay?, SandboxDay?) {
        var low: SandboxDay?
        var high: SandboxDay?
        func raise(_ day: SandboxDay) { low = max(low ?? day, day) }
        func lower(_ day: SandboxDay) { high = min(high ?? day, day) }
        for condition in query.conditions where condition.field == "segments.date" {
            let days = condition.values.compactMap(SandboxDay.init)
            switch condition.op {
            case "=": if let day = days.first { raise(day); lower(day) }
            case ">": if let day = days.first { raise(day.adding(days: 1)) }
            case ">=": if let day = days.first { raise(day) }
            case "<": if let day = days.first { lower(day.adding(days: -1)) }
            case "<=": if let day = days.first { lower(day) }
            case "BETWEEN": if days.count == 2 { raise(days[0]); lower(days[1]) }
            case "IN": if let first = days.min(), let last = days.max() { raise(first); lower(last) }
            case "DURING":
                if let range = Self.during(condition.values.first ?? "", today: today) {
                    raise(range.lowerBound)
                    lower(range.upperBound)
                }
            default: break
            }
        }
        return (low, high)
    }

    private func execute(_ query: GAQLQuery, _ world: World, store: SandboxStore) throws(GAQLQuery.Failure)
        -> [JSONValue]
    {
        guard let account = world.account(.googleAds, customerID) else { return [] }
        let today = world.today
        let selectsDate = query.fields.contains("segments.date")
        let usesMetrics = (query.fields + query.conditions.map(\.field)).contains { $0.hasPrefix("metrics.") }
        let (low, high) = dateBounds(query, today: today)
        if selectsDate && (low == nil || high == nil) {
            throw GAQLQuery.Failure(
                code: "EXPECTED_FILTERS_ON_DATE_RANGE", message: "Missing filters on date related fields.")
        }
        let from = low ?? SandboxDay(ordinal: 0)
        let to = high ?? today

        // Each row: the objects it is about (by GAQL resource), its metrics and its date.
        struct Row {
            var objects: [String: AdObject] = [:]
            /// Resources that are not ad objects (user lists, jobs), as their proto3-JSON fields.
            var records: [String: [String: JSONValue]] = [:]
            var figures: DailyFigures?
            var day: SandboxDay?
        }
        var rows: [Row] = []
        let main = query.resource
        let level: ObjectLevel? =
            switch main {
            case "campaign": .campaign
            case "campaign_budget": .budget
            case "ad_group": .adGroup
            case "ad_group_ad": .ad
            default: nil
            }
        let customerRow = Row()
        if let level {
            for object in world.objects(.googleAds, account: customerID, level: level).sorted(by: {
                $0.sequence < $1.sequence
            }) {
                var row = Row()
                row.objects[main] = object
                switch main {
                case "campaign":
                    row.objects["campaign_budget"] = object.budgetObjectID.flatMap { world.object(.googleAds, $0) }
                case "ad_group":
                    row.objects["campaign"] = object.parentID.flatMap { world.object(.googleAds, $0) }
                case "ad_group_ad":
                    let group = object.parentID.flatMap { world.object(.googleAds, $0) }
                    row.objects["ad_group"] = group
                    row.objects["campaign"] = group?.parentID.flatMap { world.object(.googleAds, $0) }
                default: break
                }
                rows.append(row)
            }
        } else if let records = GoogleUserLists.records(main, customerID: customerID, world: world) {
            rows = records.map { Row(records: [main: $0]) }
        } else {
            rows = [customerRow]
        }
        if usesMetrics || selectsDate {
            // Each row's delivery by day, keyed by the id of the row's object ("" for the customer).
            typealias Delivery = (day: SandboxDay, figures: DailyFigures)
            let delivery: [String: [Delivery]]
            switch main {
            case "ad_group_ad":
                delivery = Dictionary(
                    grouping: store.adDays(.googleAds, account: customerID, from: from, to: to, in: world),
                    by: \.adID
                ).mapValues { $0.map { ($0.day, $0.figures) } }
            case "ad_group":
                delivery = Dictionary(
                    grouping: store.adGroupDays(.googleAds, account: customerID, from: from, to: to, in: world),
                    by: \.adGroupID
                ).mapValues { $0.map { ($0.day, $0.figures) } }
            default:
                let days = store.campaignDays(.googleAds, account: customerID, from: from, to: to, in: world)
                delivery = Dictionary(grouping: days, by: { main == "campaign" ? $0.campaignID : "" })
                    .mapValues { $0.map { ($0.day, $0.figures) } }
            }
            var expanded: [Row] = []
            for row in rows {
                let mine = delivery[row.objects[main]?.id ?? ""] ?? []
                if selectsDate {
                    let byDay = Dictionary(grouping: mine, by: \.day)
                    for day in byDay.keys.sorted() {
                        var dated = row
                        dated.day = day
                        dated.figures = byDay[day]?.map(\.figures).reduce(.zero, +)
                        expanded.append(dated)
                    }
                } else {
                    var total = row
                    total.figures = mine.map(\.figures).reduce(.zero, +)
                    expanded.append(total)
                }
            }
            rows = expanded
        }

        // Every field the query names, split and renamed once rather than once per row: a report
        // of 90 days of 250 campaigns has 22,500 rows.
        var paths: [String: FieldPath] = [:]
        for field in query.fields + query.conditions.map(\.field) + query.ordering.map(\.field) {
            paths[field] = FieldPath(field)
            let (resource, _) = Self.split(field)
            paths["\(resource).resource_name"] = FieldPath("\(resource).resource_name")
        }
        func value(_ field: String, _ row: Row) -> JSONValue? {
            value(paths[field] ?? FieldPath(field), row)
        }
        func value(_ path: FieldPath, _ row: Row) -> JSONValue? {
            let (resource, member) = (path.resource, path.member)
            switch resource {
            case "metrics":
                guard let figures = row.figures else { return nil }
                switch member {
                case "impressions": return .string(String(figures.impressions))
                case "clicks": return .string(String(figures.clicks))
                case "cost_micros": return .string(String(figures.spendMicros))
                case "conversions": return .double(Double(figures.conversions))
                default: return .double(Double(figures.conversionValueMicros) / 1_000_000)
                }
            case "segments": return row.day.map { .string($0.description) }
            case "customer":
                switch member {
                case "id": return .string(customerID)
                case "descriptive_name": return .string(account.name)
                case "currency_code": return .string(account.currency)
                case "time_zone": return .string(account.timeZone)
                case "status": return "ENABLED"
                default: return .string("customers/\(customerID)")
                }
            case "campaign" where member == "bidding_strategy_type":
                return row.objects[resource].map { Self.biddingStrategyType($0.fields) }
            default:
                guard let fields = row.records[resource] ?? row.objects[resource]?.fields else { return nil }
                var current: JSONValue? = .object(fields)
                for part in path.jsonPath { current = current?[part] }
                return current
            }
        }

        func text(_ value: JSONValue?) -> String {
            switch value {
            case .string(let text): return text
            case .int(let number): return String(number)
            case .double(let number): return String(number)
            case .bool(let flag): return String(flag)
            default: return ""
            }
        }

        func holds(_ condition: GAQLQuery.Condition, _ row: Row) -> Bool {
            if condition.field == "segments.date" && row.day == nil { return true }
            let actual = text(value(condition.field, row))
            let number = Double(actual)
            func compare(_ other: String, _ test: (Double, Double) -> Bool, _ textTest: (String, String) -> Bool)
                -> Bool
            {
                if let number, let otherNumber = Double(other) { return test(number, otherNumber) }
                return textTest(actual, other)
            }
            let first = condition.values.first ?? ""
            switch condition.op {
            case "=": return compare(first, ==, ==)
            case "!=": return !compare(first, ==, ==)
            case ">": return compare(first, >, >)
            case ">=": return compare(first, >=, >=)
            case "<": return compare(first, <, <)
            case "<=": return compare(first, <=, <=)
            case "IN": return condition.values.contains { compare($0, ==, ==) }
            case "NOT IN": return !condition.values.contains { compare($0, ==, ==) }
            case "LIKE": return Self.like(actual, first)
            case "NOT LIKE": return !Self.like(actual, first)
            case "BETWEEN": return actual >= first && actual <= (condition.values.last ?? "")
            case "DURING":
                guard let day = SandboxDay(actual), let range = Self.during(first, today: today) else { return false }
                return range.contains(day)
            default: return false
            }
        }

        rows = rows.filter { row in query.conditions.allSatisfy { holds($0, row) } }
        for (field, descending) in query.ordering.reversed() {
            rows = rows.enumerated().sorted { lhs, rhs in
                let a = text(value(field, lhs.element))
                let b = text(value(field, rhs.element))
                if a == b { return lhs.offset < rhs.offset }
                let ordered: Bool = if let x = Double(a), let y = Double(b) { x < y } else { a < b }
                return descending ? !ordered : ordered
            }.map(\.element)
        }
        if let limit = query.limit { rows = Array(rows.prefix(limit)) }

        let selected = query.fields.map { field in
            let path = paths[field] ?? FieldPath(field)
            let named = path.resource != "metrics" && path.resource != "segments"
            let nested = Self.nestedResources[path.resource].flatMap { member in
                path.member.hasPrefix(member + ".") ? FieldPath("\(path.resource).\(member).resource_name") : nil
            }
            return (path: path, resourceName: named ? paths["\(path.resource).resource_name"] : nil, nested: nested)
        }
        return rows.map { row in
            var out: [String: [String: JSONValue]] = [:]
            for (path, resourceName, nested) in selected {
                guard let fieldValue = value(path, row) else { continue }
                var container = out[path.jsonResource] ?? [:]
                insert(fieldValue, at: path.jsonPath[...], into: &container)
                if let resourceName, let name = value(resourceName, row) { container["resourceName"] = name }
                if let nested, let name = value(nested, row) {
                    insert(name, at: nested.jsonPath[...], into: &container)
                }
                out[path.jsonResource] = container
            }
            return .object(out.mapValues { .object($0) })
        }
    }

    private func insert(_ value: JSONValue, at path: ArraySlice<String>, into object: inout [String: JSONValue]) {
        guard let head = path.first else { return }
        if path.count == 1 {
            object[head] = value
            return
        }
        var child = object[head]?.objectValue ?? [:]
        insert(value, at: path.dropFirst(), into: &child)
        object[head] = .object(child)
    }

    /// A GAQL field ("ad_group_ad.ad.final_urls") as its resource and member, and as the
    /// proto3-JSON names of a row ("adGroupAd", ["ad", "finalUrls"]).
    struct FieldPath {
        let resource: String
        let member: String
        let jsonResource: String
        let jsonPath: [String]

        init(_ field: String) {
            (resource, member) = GoogleAdsSearch.split(field)
            jsonResource = lowerCamelCase(resource)
            jsonPath = member.split(separator: ".").map { lowerCamelCase(String($0)) }
        }
    }

    /// GAQL LIKE: `%` matches any run of characters, `_` one character, and a character in
    /// brackets stands for itself (`[[]` is a literal `[`, `[%]` a literal `%`), as Google's
    /// query grammar escapes them.
    static func like(_ text: String, _ pattern: String) -> Bool {
        likeMatch(Array(text), likeTokens(pattern))
    }

    enum LikeToken: Equatable {
        case anyRun
        case one
        case literal(Character)
    }

    static func likeTokens(_ pattern: String) -> [LikeToken] {
        var tokens: [LikeToken] = []
        let characters = Array(pattern)
        var i = 0
        while i < characters.count {
            let character = characters[i]
            if character == "[", i + 2 < characters.count, characters[i + 2] == "]" {
                tokens.append(.literal(characters[i + 1]))
                i += 3
                continue
            }
            switch character {
            case "%": tokens.append(.anyRun)
            case "_": tokens.append(.one)
            default: tokens.append(.literal(character))
            }
            i += 1
        }
        return tokens
    }

    private static func likeMatch(_ text: [Character], _ pattern: [LikeToken]) -> Bool {
        var memo: [Int: Bool] = [:]
        func match(_ t: Int, _ p: Int) -> Bool {
            let key = t * (pattern.count + 1) + p
            if let known = memo[key] { return known }
            let result: Bool
            if p == pattern.count {
                result = t == text.count
            } else {
                switch pattern[p] {
                case .anyRun: result = match(t, p + 1) || (t < text.count && match(t + 1, p))
                case .one: result = t < text.count && match(t + 1, p + 1)
                case .literal(let character): result = t < text.count && text[t] == character && match(t + 1, p + 1)
                }
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }
}
