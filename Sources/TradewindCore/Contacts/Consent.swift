import Foundation

/// What a consent is given for.
public enum ConsentPurpose: String, Sendable, Hashable, CaseIterable, Comparable {
    case emailMarketing = "email_marketing"
    case adPersonalisation = "ad_personalisation"
    case analytics

    public static func < (lhs: ConsentPurpose, rhs: ConsentPurpose) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Whether a ledger entry gives or takes back consent.
public enum ConsentAction: String, Sendable, Hashable, CaseIterable {
    case grant
    case withdraw
}

/// The legal ground for processing (GDPR art. 6, PIPL art. 13).
public enum LawfulBasis: String, Sendable, Hashable, CaseIterable {
    case consent
    case contract
    case legitimateInterest = "legitimate_interest"
    case legalObligation = "legal_obligation"
}

/// The privacy law an entry was recorded under.
public enum PrivacyRegime: String, Sendable, Hashable, CaseIterable {
    case gdpr
    case pipl
    case ccpa
    case pdpa
    case lgpd
}

/// One entry of a contact's append-only consent ledger.
public struct ConsentEvent: Sendable, Hashable {
    public var id: UUID
    public var contactID: UUID
    public var purpose: ConsentPurpose
    public var action: ConsentAction
    public var lawfulBasis: LawfulBasis?
    public var source: String
    public var regime: PrivacyRegime
    public var occurredAt: Date
    public var recordedAt: Date

    public init(
        id: UUID, contactID: UUID, purpose: ConsentPurpose, action: ConsentAction, lawfulBasis: LawfulBasis?,
        source: String, regime: PrivacyRegime, occurredAt: Date, recordedAt: Date
    ) {
        self.id = id
        self.contactID = contactID
        self.purpose = purpose
        self.action = action
        self.lawfulBasis = lawfulBasis
        self.source = source
        self.regime = regime
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
    }
}

/// The current consent for one purpose: the latest ledger entry for it.
public struct ConsentState: Sendable, Hashable {
    public var purpose: ConsentPurpose
    public var granted: Bool
    public var lawfulBasis: LawfulBasis?
    public var source: String
    public var regime: PrivacyRegime
    public var updatedAt: Date

    public init(
        purpose: ConsentPurpose, granted: Bool, lawfulBasis: LawfulBasis?, source: String, regime: PrivacyRegime,
        updatedAt: Date
    ) {
        self.purpose = purpose
        self.granted = granted
        self.lawfulBasis = lawfulBasis
        self.source = source
        self.regime = regime
        self.updatedAt = updatedAt
    }
}

/// A request to append an entry to a contact's ledger, before it is recorded.
public struct ConsentChange: Sendable, Hashable {
    public var contactID: UUID
    public var purpose: ConsentPurpose
    public var action: ConsentAction
    public var lawfulBasis: LawfulBasis?
    public var source: String
    public var regime: PrivacyRegime
    public var occurredAt: Date

    public init(
        contactID: UUID, purpose: ConsentPurpose, action: ConsentAction, lawfulBasis: LawfulBasis?, source: String,
        regime: PrivacyRegime, occurredAt: Date
    ) {
        self.contactID = contactID
        self.purpose = purpose
        self.action = action
        self.lawfulBasis = lawfulBasis
        self.source = source
        self.regime = regime
        self.occurredAt = occurredAt
    }
}
