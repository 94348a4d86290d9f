import Foundation

/// What a data subject asks for.
public enum PrivacyRequestKind: String, Sendable, Hashable, CaseIterable {
    /// A copy of everything held about them.
    case access
    /// The same, machine-readable, to take elsewhere.
    case portability
    /// Removal of everything held about them.
    case erasure
    /// Correction of their profile (done through Contacts, then the request is completed).
    case rectification
}

/// How the officer named the subject.
public enum SubjectSelector: Sendable, Hashable {
    case email(String)
    case phone(String)
    case contactID(UUID)
    case anonymousID(String)

    public var kind: String {
        switch self {
        case .email: "email"
        case .phone: "phone"
        case .contactID: "contact_id"
        case .anonymousID: "anonymous_id"
        }
    }

    /// The value as stored and hashed: emails in lower case, contact ids in lower case.
    public var value: String {
        switch self {
        case .email(let email): email.lowercased()
        case .phone(let phone): phone
        case .contactID(let id): id.uuidString.lowercased()
        case .anonymousID(let id): id
        }
    }
}

/// Where a request stands.
public enum PrivacyRequestStatus: String, Sendable, Hashable {
    case open
    case completed
    case rejected
}

/// A data-subject request as stored.
public struct PrivacyRequest: Sendable, Hashable {
    public var id: UUID
    public var kind: PrivacyRequestKind
    public var regime: PrivacyRegime
    public var subjectKind: String
    /// `nil` once the request is closed: only a keyed hash of it is kept then.
    public var subjectValue: String?
    public var status: PrivacyRequestStatus
    public var openedAt: Date
    public var dueAt: Date
    public var completedAt: Date?
    public var note: String

    public init(
        id: UUID, kind: PrivacyRequestKind, regime: PrivacyRegime, subjectKind: String, subjectValue: String?,
        status: PrivacyRequestStatus, openedAt: Date, dueAt: Date, completedAt: Date?, note: String
    ) {
        self.id = id
        self.kind = kind
        self.regime = regime
        self.subjectKind = subjectKind
        self.subjectValue = subjectValue
        self.status = status
        self.openedAt = openedAt
        self.dueAt = dueAt
        self.completedAt = completedAt
        self.note = note
    }

    /// Open requests due within this many days are "due soon".
    public static let dueSoonDays = 7

    public func isOverdue(at now: Date) -> Bool { status == .open && dueAt < now }

    public func isDueSoon(at now: Date) -> Bool {
        status == .open && dueAt >= now && dueAt < now.addingTimeInterval(Double(Self.dueSoonDays) * 86_400)
    }
}

extension PrivacyRegime {
    /// When a request opened at `openedAt` must be answered: GDPR one calendar month (art. 12(3)),
    /// CCPA 45 days, LGPD 15 days, PDPA 30 days, PIPL the tenant's own deadline.
    public func dueDate(openedAt: Date, tenantDeadlineDays: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        switch self {
        case .gdpr: return calendar.date(byAdding: .month, value: 1, to: openedAt) ?? openedAt
        case .ccpa: return openedAt.addingTimeInterval(45 * 86_400)
        case .lgpd: return openedAt.addingTimeInterval(15 * 86_400)
        case .pdpa: return openedAt.addingTimeInterval(30 * 86_400)
        case .pipl: return openedAt.addingTimeInterval(Double(tenantDeadlineDays) * 86_400)
        }
    }
}
