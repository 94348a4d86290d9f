/// A named set of scopes. Tenant roles act inside one tenant; `operator` is the platform's own
/// role, which manages tenants and credentials but never reads a tenant's data.
public enum Role: String, CaseIterable, Sendable, Hashable {
    case owner
    case admin
    case marketer
    case analyst
    case complianceOfficer = "compliance_officer"
    case `operator`

    /// The scopes the role grants. The README publishes this matrix.
    public var scopes: Set<Scope> {
        switch self {
        case .owner:
            [
                .contactsRead, .contactsWrite, .eventsWrite, .analyticsRead, .auditRead, .privacyRead, .privacyWrite,
                .campaignsRead, .campaignsWrite, .channelsManage, .audiencesRead, .audiencesWrite, .rulesRead,
                .rulesWrite, .contentCheck, .contentApprove, .contentRules,
            ]
        case .admin:
            [
                .contactsRead, .contactsWrite, .eventsWrite, .analyticsRead, .auditRead, .campaignsRead,
                .campaignsWrite, .channelsManage, .audiencesRead, .audiencesWrite, .rulesRead, .rulesWrite,
                .contentCheck, .contentApprove, .contentRules,
            ]
        case .marketer:
            [
                .contactsRead, .contactsWrite, .eventsWrite, .analyticsRead, .campaignsRead, .campaignsWrite,
                .audiencesRead, .audiencesWrite, .rulesRead, .rulesWrite, .contentCheck,
            ]
        case .analyst:
            // Aggregates only: an analyst never sees a contact record.
            [.analyticsRead, .campaignsRead, .audiencesRead, .rulesRead]
        case .complianceOfficer:
            [.auditRead, .privacyRead, .privacyWrite, .contentCheck, .contentApprove, .contentRules]
        case .operator:
            [.tenantsRead, .tenantsWrite, .credentialsRead, .credentialsWrite, .platformAuditRead]
        }
    }

    /// Roles a tenant's credentials may carry (everything but `operator`).
    public static let tenantRoles: [Role] = [.owner, .admin, .marketer, .analyst, .complianceOfficer]
}
