import Foundation

/// Validates and applies one Google Ads operation to a draft of the state, checking what the real API
/// checks for the emulated resources (required fields, name uniqueness, money units and minimums,
/// responsive search ad limits, resource references) and reporting it as `GoogleAdsError`s.
struct GoogleResourceApplier {
    let customerID: String
    /// Temporary (negative-id) resource names created earlier in the request → real names.
    var temporaryNames: [String: String] = [:]

    typealias Operation = GoogleAdsMutation.Operation
    typealias Outcome = GoogleAdsMutation.Outcome

    static let maxNameLength = 255
    static let headlineWidth = 30
    static let descriptionWidth = 90
    static let pathWidth = 15

    mutating func run(_ operation: Operation, in world: inout World) -> Outcome {
        switch operation.action {
        case .create(let resource):
            return create(operation.kind, resource, operation.prefix + [FieldPathElement("create")], &world)
        case .update(let resource, let mask):
            return update(operation.kind, resource, mask, operation.prefix + [FieldPathElement("update")], &world)
        case .remove(let name):
            return remove(operation.kind, name, operation.prefix + [FieldPathElement("remove")], &world)
        }
    }

    // MARK: Resource names

    func resourceName(_ kind: GoogleResourceKind, _ id: String) -> String {
        "customers/\(customerID)/\(kind.collection)/\(id)"
    }

    /// The object id a resource name refers to (after temporary names are resolved); nil when malformed.
    func objectID(_ kind: GoogleResourceKind, _ name: String) -> String? {
        let resolved = temporaryNames[name] ?? name
        let parts = resolved.split(separator: "/").map(String.init)
        guard parts.count == 4, parts[0] == "customers", parts[1] == customerID, parts[2] == kind.collection else {
            return nil
        }
        let id = parts[3]
        let pieces = id.split(separator: "~", omittingEmptySubsequences: false)
        guard pieces.count == (kind == .adGroupAd ? 2 : 1),
            pieces.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) })
        else { return nil }
        return id
    }

    private func isTemporary(_ name: String) -> Bool {
        name.split(separator: "/").last?.hasPrefix("-") ?? false
    }

    /// Resolves a reference field (campaign_budget, campaign, ad_group) to a live object.
    private func reference(
        _ kind: GoogleResourceKind, _ value: JSONValue?, field: String, _ path: [FieldPathElement], _ world: World
    ) -> Result<AdObject, GoogleAdsError> {
        let fieldPath = path + [FieldPathElement(field)]
        guard let name = value?.stringValue, !name.isEmpty else {
            return .failure(
                GoogleAdsError("fieldError", "REQUIRED", "The required field was not present.", path: fieldPath))
        }
        guard let id = objectID(kind, name) else {
            return .failure(
                GoogleAdsError(
                    "requestError", "RESOURCE_NAME_MALFORMED", "Resource name is malformed.",
                    trigger: GoogleAdsError.trigger(name), path: fieldPath))
        }
        guard let object = world.object(.googleAds, id), object.account == customerID, object.level == kind.level else {
            return .failure(
                GoogleAdsError(
                    "mutateError", "RESOURCE_NOT_FOUND", "Requested resource was not found.",
                    trigger: GoogleAdsError.trigger(name), path: fieldPath))
        }
        if object.status == "REMOVED" {
            let error =
                kind == .campaignBudget
                ? GoogleAdsError(
                    "campaignBudgetError", "CAMPAIGN_BUDGET_REMOVED", "The requested campaign budget no longer exists.",
                    path: fieldPath)
                : GoogleAdsError(
                    "mutateError", "MUTATE_NOT_ALLOWED", "The referenced resource has been removed.", path: fieldPath)
            return .failure(error)
        }
        return .success(object)
    }

    // MARK: Field checks

    private func checkName(
        _ kind: GoogleResourceKind, _ name: String?, required: Bool, excluding selfID: String?, parentID: String?,
        _ path: [FieldPathElement], _ world: World
    ) -> [GoogleAdsError] {
        let fieldPath = path + [FieldPathElement("name")]
        guard let name, !name.isEmpty else {
            return required
                ? [GoogleAdsError("fieldError", "REQUIRED", "The required field was not present.", path: fieldPath)]
                : []
        }
        if name.count > Self.maxNameLength {
            return [
                GoogleAdsError(
                    "stringLengthError", "TOO_LONG", "Too long.", trigger: GoogleAdsError.trigger(name), path: fieldPath
                )
            ]
        }
        let clash = world.objects(.googleAds, account: customerID, level: kind.level).contains {
            $0.id != selfID && $0.status != "REMOVED" && $0.name == name && (parentID == nil || $0.parentID == parentID)
                && (kind != .campaignBudget || $0.fields["explicitlyShared"]?.boolValue ?? true)
        }
        guard clash else { return [] }
        switch kind {
        case .campaign:
            return [
                GoogleAdsError(
                    "campaignError", "DUPLICATE_CAMPAIGN_NAME", "Campaign with the same name already exists.",
                    trigger: GoogleAdsError.trigger(name), path: fieldPath)
            ]
        case .campaignBudget:
            return [
                GoogleAdsError(
                    "campaignBudgetError", "DUPLICATE_NAME", "A campaign budget with this name already exists.",
                    trigger: GoogleAdsError.trigger(name), path: fieldPath)
            ]
        case .adGroup:
            return [
                GoogleAdsError(
                    "adGroupError", "DUPLICATE_ADGROUP_NAME",
                    "AdGroup with the same name already exists for the campaign.",
                    trigger: GoogleAdsError.trigger(name), path: fieldPath)
            ]
        case .adGroupAd, .campaignCriterion:
            return []
        }
    }

    private func checkBudgetAmount(_ value: JSONValue?, _ path: [FieldPathElement], _ world: World) -> [GoogleAdsError]
    {
        let fieldPath = path + [FieldPathElement("amount_micros")]
        guard let amount = value?.int64Value else {
            return [GoogleAdsError("fieldError", "REQUIRED", "The required field was not present.", path: fieldPath)]
        }
        let currency = world.account(.googleAds, customerID)?.currencyInfo ?? Currency("USD")
        if amount < 0 {
            return [
                GoogleAdsError(
                    "campaignBudgetError", "NEGATIVE_MONEY_AMOUNT", "A money amount was negative.",
                    trigger: GoogleAdsError.trigger(int: amount), path: fieldPath)
            ]
        }
        if amount % currency.minorUnitMicros != 0 {
            return [
                GoogleAdsError(
                    "campaignBudgetError", "NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT",
                    "A money amount was not a multiple of a minimum unit.",
                    trigger: GoogleAdsError.trigger(int: amount), path: fieldPath)
            ]
        }
        // The sandbox's per-day minimum: one US dollar's worth (Google's real minimum depends on the campaign).
        let minimum = currency.micros(ofDollars: 1)
        if amount < minimum {
            let details: JSONValue = [
                "budgetPerDayMinimumErrorDetails": [
                    "currencyCode": .string(currency.code), "budgetPerDayMinimumMicros": .string(String(minimum)),
                    "minimumBugdetAmountMicros": .string(String(minimum)),
                    "failedBudgetAmountMicros": .string(String(amount)),
                ]
            ]
            return [
                GoogleAdsError(
                    "campaignBudgetError", "BUDGET_BELOW_PER_DAY_MINIMUM",
                    "Budget amount or total amount must be above this campaign's per-day minimum.",
                    trigger: GoogleAdsError.trigger(int: amount), path: fieldPath, details: details)
            ]
        }
        return []
    }

    /// A campaign criterion targets exactly one place (`geoTargetConstants/{id}`) or language
    /// (`languageConstants/{id}`).
    private func checkCriterion(_ resource: [String: JSONValue], _ path: [FieldPathElement]) -> [GoogleAdsError] {
        let location = resource["location"]?["geoTargetConstant"]?.stringValue
        let language = resource["language"]?["languageConstant"]?.stringValue
        switch (location, language) {
        case (let location?, nil):
            guard location.hasPrefix("geoTargetConstants/"), location.dropFirst(19).allSatisfy(\.isNumber),
                location.count > 19
            else {
                return [
                    GoogleAdsError(
                        "criterionError", "INVALID_GEO_TARGET_CONSTANT", "The geo target constant is invalid.",
                        trigger: GoogleAdsError.trigger(location),
                        path: path + [FieldPathElement("location"), FieldPathElement("geo_target_constant")])
                ]
            }
            return []
        case (nil, let language?):
            guard language.hasPrefix("languageConstants/"), language.dropFirst(18).allSatisfy(\.isNumber),
                language.count > 18
            else {
                return [
                    GoogleAdsError(
                        "criterionError", "INVALID_LANGUAGE_CONSTANT", "The language constant is invalid.",
                        trigger: GoogleAdsError.trigger(language),
                        path: path + [FieldPathElement("language"), FieldPathElement("language_constant")])
                ]
            }
            return []
        default:
            return [
                GoogleAdsError(
                    "criterionError", "CRITERION_TYPE_MISMATCH",
                    "Exactly one criterion (location or language) must be set.", path: path)
            ]
        }
    }

    private func checkDates(_ resource: [String: JSONValue], _ path: [FieldPathElement]) -> [GoogleAdsError] {
        var errors: [GoogleAdsError] = []
        var days: [String: SandboxDay] = [:]
        for key in ["startDate", "endDate"] {
            guard let text = resource[key]?.stringValue else { continue }
            guard let day = SandboxDay(text), text.count == 10 else {
                errors.append(
                    GoogleAdsError(
                        "dateError", "INVALID_FIELD_VALUES_IN_DATE", "The field values for the date are invalid.",
                        trigger: GoogleAdsError.trigger(text), path: path + [FieldPathElement(snakeCase(key))]))
                continue
            }
            days[key] = day
        }
        if let start = days["startDate"], let end = days["endDate"], end < start {
            errors.append(
                GoogleAdsError(
                    "dateError", "DATE_RANGE_MINIMUM_DATE_LATER_THAN_MAXIMUM_DATE",
                    "Minimum date is later than maximum date in range.", path: path + [FieldPathElement("end_date")]))
        }
        return errors
    }

    /// Responsive search ad limits: 3-15 headlines of at most 30, 2-4 descriptions of at most 90, paths
    /// of at most 15 (double-width characters count two).
    private func checkAd(_ ad: JSONValue?, _ path: [FieldPathElement]) -> [GoogleAdsError] {
        let adPath = path + [FieldPathElement("ad")]
        guard let ad else {
            return [GoogleAdsError("fieldError", "REQUIRED", "The required field was not present.", path: adPath)]
        }
        var errors: [GoogleAdsError] = []
        if (ad["finalUrls"]?.arrayValue ?? []).isEmpty {
            errors.append(
                GoogleAdsError(
                    "fieldError", "REQUIRED", "The required field was not present.",
                    path: adPath + [FieldPathElement("final_urls")]))
        }
        for (index, url) in (ad["finalUrls"]?.arrayValue ?? []).enumerated() {
            let text = url.stringValue ?? ""
            if !(text.hasPrefix("https://") || text.hasPrefix("http://")) {
                errors.append(
                    GoogleAdsError(
                        "urlFieldError", "INVALID_URL", "The url is invalid.", trigger: GoogleAdsError.trigger(text),
                        path: adPath + [FieldPathElement("final_urls", index)]))
            }
        }
        guard let rsa = ad["responsiveSearchAd"] else {
            errors.append(
                GoogleAdsError(
                    "adError", "INVALID_AD_TYPE", "Invalid Ad type. A specific type of Ad is required.", path: adPath))
            return errors
        }
        let rsaPath = adPath + [FieldPathElement("responsive_search_ad")]
        let lists: [(String, String, ClosedRange<Int>, Int)] = [
            ("headlines", "headlines", 3...15, Self.headlineWidth),
            ("descriptions", "descriptions", 2...4, Self.descriptionWidth),
        ]
        for (key, protoName, range, width) in lists {
            let assets = rsa[key]?.arrayValue ?? []
            if assets.count < range.lowerBound {
                errors.append(
                    GoogleAdsError(
                        "collectionSizeError", "TOO_FEW", "Too few.", path: rsaPath + [FieldPathElement(protoName)]))
            } else if assets.count > range.upperBound {
                errors.append(
                    GoogleAdsError(
                        "collectionSizeError", "TOO_MANY", "Too many.", path: rsaPath + [FieldPathElement(protoName)]))
            }
            for (index, asset) in assets.enumerated() {
                let textPath = rsaPath + [FieldPathElement(protoName, index), FieldPathElement("text")]
                let text = asset["text"]?.stringValue ?? ""
                if text.trimmingCharacters(in: .whitespaces).isEmpty {
                    errors.append(
                        GoogleAdsError(
                            "adError", "EMPTY_FIELD", "A required field was not specified or is an empty string.",
                            path: textPath))
                } else if googleDisplayWidth(text) > width {
                    errors.append(
                        GoogleAdsError(
                            "adError", "TOO_LONG", "The string has too many characters.",
                            trigger: GoogleAdsError.trigger(text), path: textPath))
                }
            }
        }
        for key in ["path1", "path2"] {
            if let text = rsa[key]?.stringValue, googleDisplayWidth(text) > Self.pathWidth {
                errors.append(
                    GoogleAdsError(
                        "adError", "TOO_LONG", "The string has too many characters.",
                        trigger: GoogleAdsError.trigger(text), path: rsaPath + [FieldPathElement(key)]))
            }
        }
        if rsa["path2"] != nil && rsa["path1"] == nil {
            errors.append(
                GoogleAdsError(
                    "adError", "CANNOT_SET_PATH2_WITHOUT_PATH1", "Cannot set path2 without path1.",
                    path: rsaPath + [FieldPathElement("path2")]))
        }
        return errors
    }

    // MARK: Create

    private mutating func create(
        _ kind: GoogleResourceKind, _ resource: [String: JSONValue], _ path: [FieldPathElement], _ world: inout World
    ) -> Outcome {
        if let given = resource["resourceName"]?.stringValue, !isTemporary(given) {
            return .failure([
                GoogleAdsError(
                    "mutateError", "MUTATE_NOT_ALLOWED",
                    "A create operation takes no resource name but a temporary one.",
                    path: path + [FieldPathElement("resource_name")])
            ])
        }
        if resource["status"]?.stringValue == "REMOVED" {
            return .failure([
                GoogleAdsError(
                    "fieldError", "INVALID_VALUE", "The field's value is invalid.",
                    trigger: GoogleAdsError.trigger("REMOVED"), path: path + [FieldPathElement("status")])
            ])
        }
        var errors: [GoogleAdsError] = []
        var fields = resource
        var parent: AdObject?
        var budget: AdObject?
        let name = resource["name"]?.stringValue
        switch kind {
        case .campaignBudget:
            errors += checkName(kind, name, required: false, excluding: nil, parentID: nil, path, world)
            errors += checkBudgetAmount(resource["amountMicros"], path, world)
        case .campaign:
            errors += checkName(kind, name, required: true, excluding: nil, parentID: nil, path, world)
            if resource["advertisingChannelType"] == nil {
                errors.append(
                    GoogleAdsError(
                        "fieldError", "REQUIRED", "The required field was not present.",
                        path: path + [FieldPathElement("advertising_channel_type")]))
            }
            switch reference(.campaignBudget, resource["campaignBudget"], field: "campaign_budget", path, world) {
            case .success(let object): budget = object
            case .failure(let error): errors.append(error)
            }
            errors += checkDates(resource, path)
        case .adGroup:
            switch reference(.campaign, resource["campaign"], field: "campaign", path, world) {
            case .success(let object): parent = object
            case .failure(let error): errors.append(error)
            }
            errors += checkName(kind, name, required: true, excluding: nil, parentID: parent?.id, path, world)
        case .adGroupAd:
            switch reference(.adGroup, resource["adGroup"], field: "ad_group", path, world) {
            case .success(let object): parent = object
            case .failure(let error): errors.append(error)
            }
            errors += checkAd(resource["ad"], path)
        case .campaignCriterion:
            switch reference(.campaign, resource["campaign"], field: "campaign", path, world) {
            case .success(let object): parent = object
            case .failure(let error): errors.append(error)
            }
            errors += checkCriterion(resource, path)
        }
        guard errors.isEmpty else { return .failure(errors) }

        let newID = world.newObjectID(.googleAds)
        // Ads and criteria are named by their parent's id and their own: `adGroupAds/1~2`.
        let id = kind == .adGroupAd || kind == .campaignCriterion ? "\(parent?.id ?? "0")~\(newID)" : newID
        let createdName = resourceName(kind, id)
        if let temporary = resource["resourceName"]?.stringValue { temporaryNames[temporary] = createdName }
        fields["resourceName"] = .string(createdName)
        let status = resource["status"]?.stringValue ?? "ENABLED"
        if kind == .campaignCriterion {
            fields["criterionId"] = .string(newID)
        } else if kind != .adGroupAd {
            fields["id"] = .string(newID)
        }
        fields["status"] = .string(status)
        var dailyBudget: Int64?
        var startDay: SandboxDay?
        var endDay: SandboxDay?
        switch kind {
        case .campaignBudget:
            dailyBudget = resource["amountMicros"]?.int64Value
            fields["amountMicros"] = .string(String(dailyBudget ?? 0))
            fields["deliveryMethod"] = resource["deliveryMethod"] ?? "STANDARD"
            fields["explicitlyShared"] = resource["explicitlyShared"] ?? true
            fields["period"] = resource["period"] ?? "DAILY"
        case .campaign:
            fields["campaignBudget"] = budget.map { .string(resourceName(.campaignBudget, $0.id)) }
            startDay = resource["startDate"]?.stringValue.flatMap(SandboxDay.init)
            endDay = resource["endDate"]?.stringValue.flatMap(SandboxDay.init)
            fields["startDate"] = .string((max(startDay ?? world.today, world.today)).description)
            fields["endDate"] = .string(endDay?.description ?? Self.noEndDate)
        case .adGroup:
            fields["campaign"] = parent.map { .string(resourceName(.campaign, $0.id)) }
            fields["type"] = resource["type"] ?? "SEARCH_STANDARD"
            if let bid = resource["cpcBidMicros"]?.int64Value { fields["cpcBidMicros"] = .string(String(bid)) }
        case .adGroupAd:
            fields["adGroup"] = parent.map { .string(resourceName(.adGroup, $0.id)) }
            var ad = resource["ad"]?.objectValue ?? [:]
            ad["id"] = .string(newID)
            ad["resourceName"] = .string("customers/\(customerID)/ads/\(newID)")
            ad["type"] = "RESPONSIVE_SEARCH_AD"
            fields["ad"] = .object(ad)
        case .campaignCriterion:
            fields["campaign"] = parent.map { .string(resourceName(.campaign, $0.id)) }
            fields["type"] = resource["location"] != nil ? "LOCATION" : "LANGUAGE"
            fields["negative"] = resource["negative"] ?? false
        }
        world.insert(
            channel: .googleAds, account: customerID, level: kind.level, id: id, parentID: parent?.id,
            name: name ?? "", status: status, fields: fields, dailyBudgetMicros: dailyBudget,
            active: status == "ENABLED", startDay: startDay, endDay: endDay, budgetObjectID: budget?.id)
        return .success(resourceName: createdName, resource: .object(fields))
    }

    // MARK: Update and remove

    private func existing(_ kind: GoogleResourceKind, _ name: String?, _ path: [FieldPathElement], _ world: World)
        -> Result<AdObject, GoogleAdsError>
    {
        let fieldPath = path.last?.name == "remove" ? path : path + [FieldPathElement("resource_name")]
        guard let name, let id = objectID(kind, name) else {
            return .failure(
                GoogleAdsError(
                    "requestError", "RESOURCE_NAME_MALFORMED", "Resource name is malformed.",
                    trigger: name.map(GoogleAdsError.trigger), path: fieldPath))
        }
        guard let object = world.object(.googleAds, id), object.account == customerID, object.level == kind.level else {
            return .failure(
                GoogleAdsError(
                    "mutateError", "RESOURCE_NOT_FOUND", "Requested resource was not found.",
                    trigger: GoogleAdsError.trigger(name), path: fieldPath))
        }
        if object.status == "REMOVED" {
            switch kind {
            case .campaign:
                return .failure(
                    GoogleAdsError(
                        "campaignError", "OPERATION_NOT_PERMITTED_FOR_REMOVED_RESOURCE",
                        "Operation not permitted for removed resource.", path: fieldPath))
            case .campaignBudget:
                return .failure(
                    GoogleAdsError(
                        "campaignBudgetError", "CAMPAIGN_BUDGET_REMOVED",
                        "The requested campaign budget no longer exists.", path: fieldPath))
            case .adGroup, .adGroupAd, .campaignCriterion:
                return .failure(
                    GoogleAdsError(
                        "mutateError", "MUTATE_NOT_ALLOWED", "Mutates are not allowed for the requested resource.",
                        path: fieldPath))
            }
        }
        return .success(object)
    }

    private func update(
        _ kind: GoogleResourceKind, _ resource: [String: JSONValue], _ mask: [String], _ path: [FieldPathElement],
        _ world: inout World
    ) -> Outcome {
        let object: AdObject
        switch existing(kind, resource["resourceName"]?.stringValue, path, world) {
        case .success(let found): object = found
        case .failure(let error): return .failure([error])
        }
        guard !mask.isEmpty else {
            return .failure([
                GoogleAdsError(
                    "fieldMaskError", "FIELD_MASK_MISSING", "The field mask must be provided for update operations.",
                    path: path)
            ])
        }
        var errors: [GoogleAdsError] = []
        for field in mask {
            let top = String(field.split(separator: ".").first ?? "")
            if !kind.knownFields.contains(top) {
                errors.append(
                    GoogleAdsError(
                        "fieldMaskError", "FIELD_NOT_FOUND", "The field mask contained an invalid field: '\(field)'.",
                        path: path))
            } else if !kind.mutableFields.contains(top) {
                errors.append(
                    GoogleAdsError(
                        "fieldError", "IMMUTABLE_FIELD", "The field attempted to be mutated is immutable.",
                        path: path + [FieldPathElement(snakeCase(top))]))
            }
        }
        let tops = Set(mask.map { String($0.split(separator: ".").first ?? "") })
        if tops.contains("name") {
            errors += checkName(
                kind, resource["name"]?.stringValue, required: true, excluding: object.id,
                parentID: kind == .adGroup ? object.parentID : nil, path, world)
        }
        if tops.contains("amountMicros") { errors += checkBudgetAmount(resource["amountMicros"], path, world) }
        if tops.contains("status"), resource["status"]?.stringValue == "REMOVED" || resource["status"] == nil {
            errors.append(
                GoogleAdsError(
                    "fieldError", "INVALID_VALUE", "The field's value is invalid.",
                    path: path + [FieldPathElement("status")]))
        }
        var newBudget: AdObject?
        if tops.contains("campaignBudget") {
            switch reference(.campaignBudget, resource["campaignBudget"], field: "campaign_budget", path, world) {
            case .success(let budget): newBudget = budget
            case .failure(let error): errors.append(error)
            }
        }
        if kind == .campaign {
            // An end date is checked against the start the campaign has when only the end changes.
            var dates = resource
            if tops.contains("endDate"), !tops.contains("startDate") { dates["startDate"] = object.fields["startDate"] }
            errors += checkDates(dates, path)
        }
        guard errors.isEmpty, let index = world.objectIndex(.googleAds, object.id) else { return .failure(errors) }

        // The bidding schemes are one oneof (`campaign_bidding_strategy`): setting one clears the rest.
        if kind == .campaign, let scheme = tops.first(where: { Self.biddingSchemes.contains($0) }) {
            for other in Self.biddingSchemes where other != scheme { world.objects[index].fields[other] = nil }
        }
        for top in tops {
            world.objects[index].fields[top] = resource[top]
        }
        if let name = resource["name"]?.stringValue, tops.contains("name") { world.objects[index].name = name }
        if let amount = resource["amountMicros"]?.int64Value, tops.contains("amountMicros") {
            world.objects[index].fields["amountMicros"] = .string(String(amount))
            world.recordChange(.googleAds, object.id, dailyBudgetMicros: .some(amount))
        }
        if let bid = resource["cpcBidMicros"]?.int64Value, tops.contains("cpcBidMicros") {
            world.objects[index].fields["cpcBidMicros"] = .string(String(bid))
        }
        if let newBudget {
            world.objects[index].budgetObjectID = newBudget.id
            world.objects[index].fields["campaignBudget"] = .string(resourceName(.campaignBudget, newBudget.id))
        }
        if let status = resource["status"]?.stringValue, tops.contains("status") {
            world.objects[index].status = status
            world.recordChange(.googleAds, object.id, active: status == "ENABLED")
        }
        if let text = resource["endDate"]?.stringValue, let end = SandboxDay(text), tops.contains("endDate") {
            // Google's last day, which the sandbox also gives a campaign created without an end.
            world.objects[index].endDay = text == Self.noEndDate ? nil : end
        }
        return .success(resourceName: resourceName(kind, object.id), resource: .object(world.objects[index].fields))
    }

    /// The end date Google shows for a campaign that has none.
    static let noEndDate = "2037-12-30"

    /// The members of the campaign's `campaign_bidding_strategy` oneof the sandbox knows.
    static let biddingSchemes: Set<String> = [
        "biddingStrategy", "manualCpc", "manualCpm", "maximizeConversions", "maximizeConversionValue", "targetSpend",
        "targetCpa", "targetRoas",
    ]

    private func remove(_ kind: GoogleResourceKind, _ name: String, _ path: [FieldPathElement], _ world: inout World)
        -> Outcome
    {
        let object: AdObject
        switch existing(kind, name, path, world) {
        case .success(let found): object = found
        case .failure(let error): return .failure([error])
        }
        if kind == .campaignBudget,
            world.objects(.googleAds, account: customerID, level: .campaign).contains(where: {
                $0.budgetObjectID == object.id && $0.status != "REMOVED"
            })
        {
            return .failure([
                GoogleAdsError(
                    "campaignBudgetError", "CAMPAIGN_BUDGET_IN_USE",
                    "The campaign budget is associated with at least one campaign, and so the campaign budget cannot be removed.",
                    path: path)
            ])
        }
        guard let index = world.objectIndex(.googleAds, object.id) else { return .failure([]) }
        world.objects[index].status = "REMOVED"
        world.objects[index].fields["status"] = "REMOVED"
        world.recordChange(.googleAds, object.id, active: false)
        return .success(resourceName: resourceName(kind, object.id), resource: .object(world.objects[index].fields))
    }
}
