import Foundation

/// A person in a tenant's audience, as stored.
public struct Contact: Sendable, Hashable {
    public var id: UUID
    public var fields: ContactFields
    public var consents: [ConsentState]
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, fields: ContactFields, consents: [ConsentState], createdAt: Date, updatedAt: Date) {
        self.id = id
        self.fields = fields
        self.consents = consents
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The writable fields of a contact. Empty strings mean "not set".
public struct ContactFields: Sendable, Hashable {
    public var externalID: String
    public var email: String
    public var phone: String
    public var name: String
    public var country: String
    public var language: String
    public var tags: [String]
    public var attributes: [String: String]

    public static let maxTags = 50
    public static let maxAttributes = 50
    public static let maxAttributeValueLength = 1000

    public init(
        externalID: String = "", email: String = "", phone: String = "", name: String = "", country: String = "",
        language: String = "", tags: [String] = [], attributes: [String: String] = [:]
    ) {
        self.externalID = externalID
        self.email = email
        self.phone = phone
        self.name = name
        self.country = country
        self.language = language
        self.tags = tags
        self.attributes = attributes
    }

    /// The same fields in the form they are stored: email lower-cased, tags de-duplicated in order.
    public var normalized: ContactFields {
        var copy = self
        copy.email = email.lowercased()
        var seen = Set<String>()
        copy.tags = tags.filter { seen.insert($0).inserted }
        return copy
    }

    /// Adds a violation for every malformed field among `only` (all by default), with names under
    /// `prefix` (e.g. `contact`).
    public func validate(
        into collector: inout ViolationCollector, prefix: String, only: Set<ContactField> = Set(ContactField.allCases)
    ) {
        if only.contains(.externalID) {
            collector.require(
                FieldFormats.isPrintableText(externalID, maxLength: 200), "\(prefix).external_id",
                "must be 1-200 printable characters")
        }
        if only.contains(.email), !email.isEmpty {
            collector.require(FieldFormats.isValidEmail(email), "\(prefix).email", "must be a valid email address")
        }
        if only.contains(.phone), !phone.isEmpty {
            collector.require(
                FieldFormats.isValidE164(phone), "\(prefix).phone", "must be an E.164 number such as +4915112345678")
        }
        if only.contains(.name), !name.isEmpty {
            collector.require(
                FieldFormats.isPrintableText(name, maxLength: 200), "\(prefix).name",
                "must be at most 200 printable characters")
        }
        if only.contains(.country), !country.isEmpty {
            collector.require(
                FieldFormats.isValidCountryCode(country), "\(prefix).country",
                "must be an ISO 3166-1 alpha-2 code such as DE")
        }
        if only.contains(.language), !language.isEmpty {
            collector.require(
                FieldFormats.isValidLanguageTag(language), "\(prefix).language",
                "must be a BCP 47 language tag such as zh-Hans")
        }
        if only.contains(.tags) {
            collector.require(tags.count <= Self.maxTags, "\(prefix).tags", "must hold at most \(Self.maxTags) tags")
            for (index, tag) in tags.enumerated() where !FieldFormats.isValidTag(tag) {
                collector.add("\(prefix).tags[\(index)]", "must be 1-64 characters of letters, digits, '-', '_' or ':'")
            }
        }
        if only.contains(.attributes) {
            collector.require(
                attributes.count <= Self.maxAttributes, "\(prefix).attributes",
                "must hold at most \(Self.maxAttributes) attributes")
            for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
                if !FieldFormats.isValidAttributeKey(key) {
                    collector.add(
                        "\(prefix).attributes[\(key.prefix(64))]",
                        "key must be 1-64 characters of a-z, 0-9 and '_', starting with a letter")
                } else if value.count > Self.maxAttributeValueLength
                    || value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
                {
                    collector.add(
                        "\(prefix).attributes[\(key)]",
                        "value must be at most 1000 characters without control characters")
                }
            }
        }
    }
}

/// A field a field mask may name. Raw values are the proto field names.
public enum ContactField: String, Sendable, Hashable, CaseIterable {
    case externalID = "external_id"
    case email
    case phone
    case name
    case country
    case language
    case tags
    case attributes

    /// Fields an upsert may change: the external id is its key, so it never changes there.
    public static let upsertable: [ContactField] = allCases.filter { $0 != .externalID }

    /// Parses mask paths, reporting unknown or disallowed ones under `update_mask.paths[i]`.
    /// An empty mask means every allowed field.
    public static func parseMask(
        _ paths: [String], allowed: [ContactField], into collector: inout ViolationCollector
    ) -> Set<ContactField> {
        if paths.isEmpty { return Set(allowed) }
        var fields = Set<ContactField>()
        for (index, path) in paths.enumerated() {
            if let field = ContactField(rawValue: path), allowed.contains(field) {
                fields.insert(field)
            } else {
                collector.add(
                    "update_mask.paths[\(index)]",
                    "'\(path.prefix(64))' is not one of \(allowed.map(\.rawValue).joined(separator: ", "))")
            }
        }
        return fields
    }

    /// Copies the masked fields of `source` onto `target`.
    public static func apply(_ fields: Set<ContactField>, from source: ContactFields, to target: ContactFields)
        -> ContactFields
    {
        var result = target
        for field in fields {
            switch field {
            case .externalID: result.externalID = source.externalID
            case .email: result.email = source.email
            case .phone: result.phone = source.phone
            case .name: result.name = source.name
            case .country: result.country = source.country
            case .language: result.language = source.language
            case .tags: result.tags = source.tags
            case .attributes: result.attributes = source.attributes
            }
        }
        return result
    }
}

/// Which contacts a list keeps.
public struct ContactFilter: Sendable, Hashable {
    /// Consent filter: contacts whose consent for `purpose` is currently granted (or not).
    public struct Consent: Sendable, Hashable {
        public var purpose: ConsentPurpose
        public var granted: Bool
        public init(purpose: ConsentPurpose, granted: Bool) {
            self.purpose = purpose
            self.granted = granted
        }
    }

    public var country: String?
    public var consent: Consent?

    public init(country: String? = nil, consent: Consent? = nil) {
        self.country = country
        self.consent = consent
    }

    /// A stable text form of the filter, to which page cursors are bound.
    public var fingerprint: String {
        "country=\(country ?? "");consent=\(consent.map { "\($0.purpose.rawValue):\($0.granted)" } ?? "")"
    }
}
