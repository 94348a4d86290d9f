import Foundation
import HTTPTypes

/// The Sponsored Products v3 entities the sandbox emulates, with their wire names.
enum AmazonEntity: Sendable {
    case campaign, adGroup, productAd

    init?(collection: String) {
        switch collection {
        case "campaigns": self = .campaign
        case "adGroups": self = .adGroup
        case "productAds": self = .productAd
        default: return nil
        }
    }

    /// The request and response media type (CampaignsApi.cs, AdGroupsApi.cs, ProductAdsApi.cs).
    var mediaType: String {
        switch self {
        case .campaign: "application/vnd.spCampaign.v3+json"
        case .adGroup: "application/vnd.spAdGroup.v3+json"
        case .productAd: "application/vnd.spProductAd.v3+json"
        }
    }

    /// The array key in bodies: campaigns, adGroups, productAds.
    var key: String {
        switch self {
        case .campaign: "campaigns"
        case .adGroup: "adGroups"
        case .productAd: "productAds"
        }
    }

    /// The singular key of a success item's entity: campaign, adGroup, productAd.
    var singular: String {
        switch self {
        case .campaign: "campaign"
        case .adGroup: "adGroup"
        case .productAd: "productAd"
        }
    }

    var idKey: String {
        switch self {
        case .campaign: "campaignId"
        case .adGroup: "adGroupId"
        case .productAd: "adId"
        }
    }

    var level: ObjectLevel {
        switch self {
        case .campaign: .campaign
        case .adGroup: .adGroup
        case .productAd: .ad
        }
    }

    var idFilterKey: String { idKey + "Filter" }
}

/// Sponsored Products v3 create / list / update / delete for one profile. Multi-item calls answer HTTP
/// 207 `{<entities>: {success: [{index, <id>, <entity>?}], error: [{index, errors: [{errorType,
/// errorValue: {<kind>: {reason, message, cause}}}]}]}}`; request-level problems (bad enum, bad JSON)
/// fail the whole call with 400 `{code, message}`.
struct AmazonSponsoredProducts {
    let context: CallContext
    let profile: String
    let entity: AmazonEntity
    let representation: Bool

    static let maxNameLength = 128
    static let maxItems = 1000
    static let states: Set<String> = ["ENABLED", "PAUSED"]

    struct ItemError {
        var kind: String
        var reason: String
        var message: String
        var location: String

        var json: JSONValue {
            [
                "errorType": .string(kind),
                "errorValue": [
                    .init(stringLiteral: kind): [
                        "reason": .string(reason), "message": .string(message),
                        "cause": ["location": .string(location)],
                    ]
                ],
            ]
        }
    }

    private func invalid(_ message: String) -> Reply {
        AmazonAdsEmulator.error(.badRequest, "INVALID_ARGUMENT", message, reporting: false)
    }

    /// Checks enum-typed fields across items: a bad value fails the whole request, as schema validation does.
    private func schemaProblem(_ items: [JSONValue]) -> Reply? {
        guard items.count <= Self.maxItems else { return invalid("At most \(Self.maxItems) items per request.") }
        for (index, item) in items.enumerated() {
            guard item.objectValue != nil else { return invalid("$.\(entity.key)[\(index)] must be an object.") }
            if let state = item["state"], !Self.states.contains(state.stringValue ?? "") {
                return invalid("$.\(entity.key)[\(index)].state must be one of [ENABLED, PAUSED].")
            }
            if let targeting = item["targetingType"], !["AUTO", "MANUAL"].contains(targeting.stringValue ?? "") {
                return invalid("$.\(entity.key)[\(index)].targetingType must be one of [AUTO, MANUAL].")
            }
            if let budgetType = item["budget"]?["budgetType"], budgetType.stringValue != "DAILY" {
                return invalid("$.\(entity.key)[\(index)].budget.budgetType must be DAILY.")
            }
            if let strategy = item["dynamicBidding"]?["strategy"],
                !["LEGACY_FOR_SALES", "AUTO_FOR_SALES", "MANUAL", "RULE_BASED"].contains(strategy.stringValue ?? "")
            {
                return invalid("$.\(entity.key)[\(index)].dynamicBidding.strategy is not a valid value.")
            }
        }
        return nil
    }

    private func multiStatus(_ success: [JSONValue], _ errors: [JSONValue]) -> Reply {
        .json(
            HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status"),
            [.init(stringLiteral: entity.key): ["success": .array(success), "error": .array(errors)]])
    }

    private func successItem(_ index: Int, _ object: AdObject) -> JSONValue {
        var item: [String: JSONValue] = [
            "index": .int(Int64(index)), .init(stringLiteral: entity.idKey): .string(object.id),
        ]
        if representation { item[entity.singular] = .object(object.fields) }
        return .object(item)
    }

    private func errorItem(_ index: Int, _ errors: [ItemError]) -> JSONValue {
        ["index": .int(Int64(index)), "errors": .array(errors.map(\.json))]
    }

    /// A money amount in the profile's currency: its micros, or an error for too many decimals.
    private func money(_ value: JSONValue?, currency: Currency, at location: String) -> Result<Int64, ItemErrorBox> {
        guard let amount = value?.doubleValue, let micros = Currency.micros(ofMajorUnits: amount) else {
            return .failure(
                ItemErrorBox(
                    ItemError(
                        kind: "missingValueError", reason: "MISSING_VALUE", message: "A value is required.",
                        location: location)))
        }
        guard micros % currency.minorUnitMicros == 0 else {
            return .failure(
                ItemErrorBox(
                    ItemError(
                        kind: "malformedValueError", reason: "PATTERN_NOT_MATCHED",
                        message: "Too many decimal places for \(currency.code).", location: location)))
        }
        return .success(micros)
    }

    struct ItemErrorBox: Error {
        let error: ItemError
        init(_ error: ItemError) { self.error = error }
    }

    // MARK: Create

    func create(_ body: JSONValue) -> Reply {
        guard let items = body[entity.key]?.arrayValue, !items.isEmpty else {
            return invalid("$.\(entity.key) is required.")
        }
        if let problem = schemaProblem(items) { return problem }
        return context.store.write { world -> Reply in
            guard let owner = world.account(.amazonAds, profile) else { return invalid("Unknown profile.") }
            let currency = owner.currencyInfo
            var success: [JSONValue] = []
            var failures: [JSONValue] = []
            for (index, item) in items.enumerated() {
                let at = "$.\(entity.key)[\(index)]"
                if context.injectPartialFailure && index == 1 {
                    failures.append(
                        errorItem(
                            index,
                            [
                                ItemError(
                                    kind: "internalServerError", reason: "INTERNAL_ERROR",
                                    message: "Internal error, retry the item.", location: at)
                            ]))
                    continue
                }
                var errors: [ItemError] = []
                var fields = item.objectValue ?? [:]
                var parent: AdObject?
                var budget: Int64?
                let name = item["name"]?.stringValue
                if entity != .productAd {
                    if let problem = checkName(
                        name, at: at, excluding: nil, parent: item["campaignId"]?.stringValue, world)
                    {
                        errors.append(problem)
                    }
                }
                if item["state"] == nil {
                    errors.append(
                        ItemError(
                            kind: "missingValueError", reason: "MISSING_VALUE", message: "state is required.",
                            location: "\(at).state"))
                }
                switch entity {
                case .campaign:
                    if item["targetingType"] == nil {
                        errors.append(
                            ItemError(
                                kind: "missingValueError", reason: "MISSING_VALUE",
                                message: "targetingType is required.", location: "\(at).targetingType"))
                    }
                    switch money(item["budget"]?["budget"], currency: currency, at: "\(at).budget.budget") {
                    case .failure(let box): errors.append(box.error)
                    case .success(let micros):
                        let minimum = currency.micros(ofDollars: 1)
                        if micros < minimum {
                            errors.append(
                                ItemError(
                                    kind: "budgetError", reason: "BUDGET_TOO_LOW",
                                    message:
                                        "Budget must be at least \(currency.majorUnitText(micros: minimum)) \(currency.code).",
                                    location: "\(at).budget.budget"))
                        } else if micros > currency.micros(ofDollars: 1_000_000) {
                            errors.append(
                                ItemError(
                                    kind: "budgetError", reason: "BUDGET_TOO_HIGH", message: "Budget is too high.",
                                    location: "\(at).budget.budget"))
                        }
                        budget = micros
                    }
                    if let start = item["startDate"]?.stringValue, SandboxDay(start) == nil {
                        errors.append(
                            ItemError(
                                kind: "dateError", reason: "INVALID_DATE", message: "startDate must be YYYY-MM-DD.",
                                location: "\(at).startDate"))
                    }
                case .adGroup, .productAd:
                    guard let campaignID = item["campaignId"]?.stringValue,
                        let campaign = world.object(.amazonAds, campaignID),
                        campaign.account == profile, campaign.level == .campaign
                    else {
                        errors.append(
                            ItemError(
                                kind: "entityNotFoundError", reason: "ENTITY_NOT_FOUND", message: "Campaign not found.",
                                location: "\(at).campaignId"))
                        break
                    }
                    parent = campaign
                    if entity == .adGroup {
                        switch money(item["defaultBid"], currency: currency, at: "\(at).defaultBid") {
                        case .failure(let box): errors.append(box.error)
                        case .success(let micros):
                            if micros < currency.micros(ofDollars: 0.02) {
                                errors.append(
                                    ItemError(
                                        kind: "biddingError", reason: "BID_TOO_LOW",
                                        message: "defaultBid is below the minimum bid.", location: "\(at).defaultBid"))
                            }
                        }
                    } else {
                        guard let groupID = item["adGroupId"]?.stringValue,
                            let group = world.object(.amazonAds, groupID), group.parentID == campaignID
                        else {
                            errors.append(
                                ItemError(
                                    kind: "entityNotFoundError", reason: "ENTITY_NOT_FOUND",
                                    message: "Ad group not found.", location: "\(at).adGroupId"))
                            break
                        }
                        parent = group
                        let asin = item["asin"]?.stringValue
                        let sku = item["sku"]?.stringValue
                        if asin == nil && sku == nil {
                            errors.append(
                                ItemError(
                                    kind: "missingValueError", reason: "MISSING_VALUE",
                                    message: "One of asin or sku is required.", location: "\(at).asin"))
                        } else if let asin,
                            asin.count != 10 || !asin.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) })
                        {
                            errors.append(
                                ItemError(
                                    kind: "malformedValueError", reason: "PATTERN_NOT_MATCHED",
                                    message: "asin must be 10 upper-case letters or digits.", location: "\(at).asin"))
                        }
                    }
                }
                guard errors.isEmpty else {
                    failures.append(errorItem(index, errors))
                    continue
                }
                let id = world.newObjectID(.amazonAds)
                fields[entity.idKey] = .string(id)
                let state = item["state"]?.stringValue ?? "ENABLED"
                var startDay: SandboxDay?
                if entity == .campaign {
                    startDay = item["startDate"]?.stringValue.flatMap(SandboxDay.init)
                    fields["startDate"] = .string(max(startDay ?? world.today, world.today).description)
                    fields["budget"] = [
                        "budgetType": "DAILY", "budget": .double(currency.majorUnits(micros: budget ?? 0)),
                    ]
                    fields["dynamicBidding"] = item["dynamicBidding"] ?? ["strategy": "LEGACY_FOR_SALES"]
                }
                let object = world.insert(
                    channel: .amazonAds, account: profile, level: entity.level, id: id,
                    parentID: entity == .campaign ? nil : parent?.id,
                    name: name ?? item["asin"]?.stringValue ?? item["sku"]?.stringValue ?? "", status: state,
                    fields: fields,
                    dailyBudgetMicros: budget, active: state == "ENABLED", startDay: startDay,
                    endDay: item["endDate"]?.stringValue.flatMap(SandboxDay.init))
                success.append(successItem(index, object))
            }
            return multiStatus(success, failures)
        }
    }

    private func checkName(_ name: String?, at: String, excluding: String?, parent: String?, _ world: World)
        -> ItemError?
    {
        guard let name, !name.isEmpty else {
            return ItemError(
                kind: "missingValueError", reason: "MISSING_VALUE", message: "name is required.", location: "\(at).name"
            )
        }
        if name.count > Self.maxNameLength {
            return ItemError(
                kind: "malformedValueError", reason: "TOO_LONG",
                message: "name must be at most \(Self.maxNameLength) characters.", location: "\(at).name")
        }
        if name != name.trimmingCharacters(in: .whitespaces) {
            return ItemError(
                kind: "malformedValueError", reason: "LEADING_OR_TRAILING_WHITESPACE",
                message: "name has leading or trailing whitespace.", location: "\(at).name")
        }
        let clash = world.objects(.amazonAds, account: profile, level: entity.level).contains {
            $0.id != excluding && $0.name == name && $0.status != "ARCHIVED"
                && (entity == .campaign || $0.parentID == parent)
        }
        return clash
            ? ItemError(
                kind: "duplicateValueError", reason: "NAME_NOT_UNIQUE", message: "name must be unique.",
                location: "\(at).name") : nil
    }

    // MARK: List

    func list(_ body: JSONValue) -> Reply {
        var objects = context.store.read { $0.objects(.amazonAds, account: profile, level: entity.level) }.sorted {
            $0.sequence < $1.sequence
        }
        func include(_ filter: String) -> Set<String>? {
            body[filter]?["include"]?.arrayValue.map {
                Set($0.compactMap { $0.stringValue ?? $0.int64Value.map(String.init) })
            }
        }
        if let ids = include(entity.idFilterKey) { objects = objects.filter { ids.contains($0.id) } }
        if entity != .campaign, let ids = include("campaignIdFilter") {
            objects = objects.filter { ids.contains($0.fields["campaignId"]?.stringValue ?? "") }
        }
        if entity == .productAd, let ids = include("adGroupIdFilter") {
            objects = objects.filter { ids.contains($0.parentID ?? "") }
        }
        if let states = include("stateFilter") { objects = objects.filter { states.contains($0.status) } }
        if let names = include("nameFilter") {
            let exact = body["nameFilter"]?["queryTermMatchType"]?.stringValue == "EXACT_MATCH"
            objects = objects.filter { object in
                names.contains { exact ? object.name == $0 : object.name.localizedCaseInsensitiveContains($0) }
            }
        }
        let maxResults = Int(body["maxResults"]?.int64Value ?? 100)
        let offset =
            body["nextToken"]?.stringValue.flatMap { Data(base64Encoded: $0) }.flatMap {
                Int(String(decoding: $0, as: UTF8.self))
            } ?? 0
        let page = Array(objects.dropFirst(offset).prefix(max(1, maxResults)))
        var response: [String: JSONValue] = [
            entity.key: .array(page.map { .object($0.fields) }), "totalResults": .int(Int64(objects.count)),
        ]
        if offset + page.count < objects.count {
            response["nextToken"] = .string(Data(String(offset + page.count).utf8).base64EncodedString())
        }
        return .json(.ok, .object(response))
    }

    // MARK: Update and delete

    func update(_ body: JSONValue) -> Reply {
        guard let items = body[entity.key]?.arrayValue, !items.isEmpty else {
            return invalid("$.\(entity.key) is required.")
        }
        if let problem = schemaProblem(items) { return problem }
        return context.store.write { world -> Reply in
            let currency = world.account(.amazonAds, profile)?.currencyInfo ?? Currency("USD")
            var success: [JSONValue] = []
            var failures: [JSONValue] = []
            for (index, item) in items.enumerated() {
                let at = "$.\(entity.key)[\(index)]"
                guard !(context.injectPartialFailure && index == 1) else {
                    failures.append(
                        errorItem(
                            index,
                            [
                                ItemError(
                                    kind: "internalServerError", reason: "INTERNAL_ERROR",
                                    message: "Internal error, retry the item.", location: at)
                            ]))
                    continue
                }
                guard let id = item[entity.idKey]?.stringValue, let object = world.object(.amazonAds, id),
                    object.account == profile,
                    object.level == entity.level, let position = world.objectIndex(.amazonAds, id)
                else {
                    failures.append(
                        errorItem(
                            index,
                            [
                                ItemError(
                                    kind: "entityNotFoundError", reason: "ENTITY_NOT_FOUND",
                                    message: "Entity not found.", location: "\(at).\(entity.idKey)")
                            ]))
                    continue
                }
                if object.status == "ARCHIVED" {
                    failures.append(
                        errorItem(
                            index,
                            [
                                ItemError(
                                    kind: "entityStateError", reason: "ARCHIVED_ENTITY_CANNOT_BE_MODIFIED",
                                    message: "An archived entity cannot be modified.", location: at)
                            ]))
                    continue
                }
                var errors: [ItemError] = []
                if item["name"] != nil,
                    let problem = checkName(
                        item["name"]?.stringValue, at: at, excluding: id,
                        parent: object.fields["campaignId"]?.stringValue, world)
                {
                    errors.append(problem)
                }
                var newBudget: Int64?
                if entity == .campaign, item["budget"] != nil {
                    switch money(item["budget"]?["budget"], currency: currency, at: "\(at).budget.budget") {
                    case .failure(let box): errors.append(box.error)
                    case .success(let micros):
                        if micros < currency.micros(ofDollars: 1) {
                            errors.append(
                                ItemError(
                                    kind: "budgetError", reason: "BUDGET_TOO_LOW",
                                    message: "Budget is below the minimum.", location: "\(at).budget.budget"))
                        }
                        newBudget = micros
                    }
                }
                if entity == .adGroup, item["defaultBid"] != nil {
                    switch money(item["defaultBid"], currency: currency, at: "\(at).defaultBid") {
                    case .failure(let box): errors.append(box.error)
                    case .success(let micros) where micros < currency.micros(ofDollars: 0.02):
                        errors.append(
                            ItemError(
                                kind: "biddingError", reason: "BID_TOO_LOW",
                                message: "defaultBid is below the minimum bid.", location: "\(at).defaultBid"))
                    case .success: break
                    }
                }
                // `endDate: null` removes the end date; a date must be a day on or after the start.
                var newEnd: SandboxDay??
                if entity == .campaign, let end = item["endDate"] {
                    if end == .null {
                        newEnd = .some(nil)
                    } else if let day = end.stringValue.flatMap(SandboxDay.init) {
                        if let start = object.fields["startDate"]?.stringValue.flatMap(SandboxDay.init), day < start {
                            errors.append(
                                ItemError(
                                    kind: "dateError", reason: "END_DATE_BEFORE_START_DATE",
                                    message: "endDate must not be before startDate.", location: "\(at).endDate"))
                        }
                        newEnd = .some(day)
                    } else {
                        errors.append(
                            ItemError(
                                kind: "dateError", reason: "INVALID_DATE", message: "endDate must be YYYY-MM-DD.",
                                location: "\(at).endDate"))
                    }
                }
                guard errors.isEmpty else {
                    failures.append(errorItem(index, errors))
                    continue
                }
                for (key, value) in item.objectValue ?? [:] where key != entity.idKey {
                    world.objects[position].fields[key] = value
                }
                if let name = item["name"]?.stringValue { world.objects[position].name = name }
                if let newBudget {
                    world.objects[position].fields["budget"] = [
                        "budgetType": "DAILY", "budget": .double(currency.majorUnits(micros: newBudget)),
                    ]
                    world.recordChange(.amazonAds, id, dailyBudgetMicros: .some(newBudget))
                }
                if let state = item["state"]?.stringValue, state != object.status {
                    world.objects[position].status = state
                    world.recordChange(.amazonAds, id, active: state == "ENABLED")
                }
                if let newEnd {
                    world.objects[position].endDay = newEnd
                    world.objects[position].fields["endDate"] = newEnd.map { .string($0.description) }
                }
                success.append(successItem(index, world.objects[position]))
            }
            return multiStatus(success, failures)
        }
    }

    func delete(_ body: JSONValue) -> Reply {
        guard
            let ids = body[entity.idFilterKey]?["include"]?.arrayValue?.compactMap({
                $0.stringValue ?? $0.int64Value.map(String.init)
            }),
            !ids.isEmpty
        else { return invalid("$.\(entity.idFilterKey).include is required.") }
        return context.store.write { world -> Reply in
            var success: [JSONValue] = []
            var failures: [JSONValue] = []
            for (index, id) in ids.enumerated() {
                guard !(context.injectPartialFailure && index == 1), let object = world.object(.amazonAds, id),
                    object.account == profile,
                    object.level == entity.level, object.status != "ARCHIVED",
                    let position = world.objectIndex(.amazonAds, id)
                else {
                    failures.append(
                        errorItem(
                            index,
                            [
                                ItemError(
                                    kind: "entityNotFoundError", reason: "ENTITY_NOT_FOUND",
                                    message: "Entity not found.", location: "$.\(entity.idFilterKey).include[\(index)]")
                            ]))
                    continue
                }
                world.objects[position].status = "ARCHIVED"
                world.objects[position].fields["state"] = "ARCHIVED"
                world.recordChange(.amazonAds, id, active: false)
                success.append(successItem(index, world.objects[position]))
            }
            return multiStatus(success, failures)
        }
    }
}
