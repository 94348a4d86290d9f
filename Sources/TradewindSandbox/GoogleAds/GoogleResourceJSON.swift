/// The proto3-JSON checks Google's front end makes before the API sees a request: unknown field names,
/// enum names that do not exist, int64 fields that are not integers. They fail the whole call with a
/// `google.rpc.BadRequest`, whatever `partialFailure` says.
enum GoogleResourceJSON {
    static func check(_ resource: [String: JSONValue], kind: GoogleResourceKind, jsonPath: String) -> Reply? {
        for (key, value) in resource {
            guard kind.knownFields.contains(key) else {
                return unknownName(key, at: jsonPath)
            }
            if let type = kind.enumFields[key],
                let problem = checkEnum(value, type, at: "\(jsonPath).\(snakeCase(key))")
            {
                return problem
            }
            if kind.int64Fields.contains(key), value.int64Value == nil {
                return GoogleAdsStatus.badJSON(
                    "\(jsonPath).\(snakeCase(key))",
                    "Invalid value at '\(jsonPath).\(snakeCase(key))' (TYPE_INT64), \(String(decoding: value.serialized(), as: UTF8.self))"
                )
            }
        }
        if kind == .adGroupAd, let ad = resource["ad"] {
            return checkAd(ad, at: "\(jsonPath).ad")
        }
        return nil
    }

    static func unknownName(_ key: String, at path: String) -> Reply {
        GoogleAdsStatus.badJSON(
            path, "Invalid JSON payload received. Unknown name \"\(key)\" at '\(path)': Cannot find field.")
    }

    static func checkEnum(_ value: JSONValue, _ type: GoogleEnum, at path: String) -> Reply? {
        if let name = value.stringValue, type.values.contains(name) { return nil }
        return GoogleAdsStatus.badJSON(
            path,
            "Invalid value at '\(path)' (\(type.fullTypeName)), \(String(decoding: value.serialized(), as: UTF8.self))")
    }

    private static func checkAd(_ ad: JSONValue, at path: String) -> Reply? {
        guard let members = ad.objectValue else { return unknownName("ad", at: path) }
        let known: Set<String> = [
            "id", "name", "finalUrls", "finalMobileUrls", "trackingUrlTemplate", "responsiveSearchAd", "type",
        ]
        for key in members.keys where !known.contains(key) { return unknownName(key, at: path) }
        guard let rsa = members["responsiveSearchAd"] else { return nil }
        guard let rsaMembers = rsa.objectValue else { return unknownName("responsiveSearchAd", at: path) }
        for key in rsaMembers.keys where !["headlines", "descriptions", "path1", "path2"].contains(key) {
            return unknownName(key, at: "\(path).responsive_search_ad")
        }
        for list in ["headlines", "descriptions"] {
            for (index, asset) in (rsaMembers[list]?.arrayValue ?? []).enumerated() {
                let assetPath = "\(path).responsive_search_ad.\(list)[\(index)]"
                guard let assetMembers = asset.objectValue else { return unknownName(list, at: assetPath) }
                for key in assetMembers.keys where !["text", "pinnedField"].contains(key) {
                    return unknownName(key, at: assetPath)
                }
                if let pinned = assetMembers["pinnedField"],
                    let problem = checkEnum(pinned, .servedAssetFieldType, at: "\(assetPath).pinned_field")
                {
                    return problem
                }
            }
        }
        return nil
    }
}
