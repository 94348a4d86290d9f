import Foundation

/// A named list of contacts for one consent purpose. Members without a current grant for the
/// purpose stay members but are never handed out (see `SegmentRepository.members`).
public struct Segment: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var description: String
    public var purpose: ConsentPurpose
    public var createdAt: Date
    /// Every member, with or without consent.
    public var memberCount: Int64
    /// Members whose latest ledger entry for the purpose is a grant.
    public var usableMemberCount: Int64

    public init(
        id: UUID, name: String, description: String, purpose: ConsentPurpose, createdAt: Date, memberCount: Int64,
        usableMemberCount: Int64
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.purpose = purpose
        self.createdAt = createdAt
        self.memberCount = memberCount
        self.usableMemberCount = usableMemberCount
    }

    public static let maxNameLength = 200
    public static let maxDescriptionLength = 1000
    /// Contact ids one call may add or remove.
    public static let maxMembersPerCall = 1000

    /// Checks a new segment's name and description, naming the fields.
    public static func validate(name: String, description: String, into collector: inout ViolationCollector) {
        collector.require(
            FieldFormats.isPrintableText(name, maxLength: maxNameLength)
                && name.trimmingCharacters(in: .whitespaces) == name,
            "name", "must be 1-\(maxNameLength) printable characters without leading or trailing spaces")
        collector.require(
            description.isEmpty || FieldFormats.isPrintableText(description, maxLength: maxDescriptionLength),
            "description", "must be at most \(maxDescriptionLength) printable characters")
    }
}

/// A usable member of a segment: the contact and when it was added.
public struct SegmentMember: Sendable, Hashable {
    public var contact: Contact
    public var addedAt: Date

    public init(contact: Contact, addedAt: Date) {
        self.contact = contact
        self.addedAt = addedAt
    }
}
