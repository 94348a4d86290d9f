import GRPCCore
import TradewindAudit
import TradewindCore
import TradewindProto

/// The one table that says, for every RPC, which scope it needs and how it is audited.
/// A method missing from it is denied (`PolicyTableTests` fails the build for one).
public struct MethodPolicy: Sendable, Hashable {
    /// How the audit log classifies a call.
    public enum AuditClass: String, Sendable, Hashable {
        case read
        case write
        case personalDataRead = "personal_data_read"
        case admin
    }

    /// What kind of data a call touches: the names its audit record uses.
    public typealias DataClass = AuditDataClass

    public var scope: Scope
    /// A second scope that also admits the call: the Audit service serves the caller's own chain,
    /// a tenant's for `audit:read`, the platform log for an operator's `platform_audit:read`.
    public var alternateScope: Scope?
    public var auditClass: AuditClass
    public var dataClass: DataClass
    /// Streaming calls get an opening and a closing audit record instead of one.
    public var isStreaming = false
    /// Which configured limit bounds the call's database work.
    public var timeLimit: TimeLimit = .standard

    /// The configured limits a call's work may be bounded by (`ServerConfiguration.Limits`).
    public enum TimeLimit: Sendable, Hashable {
        /// `databaseTimeout`, 5 s unless configured.
        case standard
        /// `analyticsTimeout`, 30 s unless configured: reads over millions of events.
        case analytics
    }
    /// Operator methods act on a tenant named in the request; tenant methods on the caller's own.
    public var isOperatorMethod: Bool { scope.isOperatorScope }

    /// Methods that need no credential. Only the standard health check; the README lists it.
    public static let exempt: Set<MethodDescriptor> = Set(Grpc_Health_V1_Health.Method.descriptors)

    /// Every RPC, one explicit entry each: a new RPC gets its own line, never a blanket default.
    /// A method listed twice is a programming error and stops the server at start-up.
    public static let table: [MethodDescriptor: MethodPolicy] = {
        typealias Contacts = Tradewind_V1_Contacts.Method
        typealias Admin = Tradewind_V1_TenantAdmin.Method
        typealias Audit = Tradewind_V1_Audit.Method
        typealias Events = Tradewind_V1_Events.Method
        typealias Privacy = Tradewind_V1_Privacy.Method
        typealias Analytics = Tradewind_V1_Analytics.Method
        typealias Segments = Tradewind_V1_Segments.Method
        typealias Campaigns = Tradewind_V1_Campaigns.Method
        typealias Rules = Tradewind_V1_Rules.Method
        typealias Audiences = Tradewind_V1_Audiences.Method
        typealias Content = Tradewind_V1_Content.Method
        let campaignRead = MethodPolicy(scope: .campaignsRead, auditClass: .read, dataClass: .campaigns)
        let campaignWrite = MethodPolicy(scope: .campaignsWrite, auditClass: .write, dataClass: .campaigns)
        let ruleRead = MethodPolicy(scope: .rulesRead, auditClass: .read, dataClass: .rules)
        let ruleWrite = MethodPolicy(scope: .rulesWrite, auditClass: .write, dataClass: .rules)
        let audienceRead = MethodPolicy(scope: .audiencesRead, auditClass: .read, dataClass: .audiences)
        let audienceWrite = MethodPolicy(scope: .audiencesWrite, auditClass: .write, dataClass: .audiences)
        let contentRead = MethodPolicy(scope: .contentCheck, auditClass: .read, dataClass: .adCopy)
        let contentRules = MethodPolicy(scope: .contentRules, auditClass: .write, dataClass: .adCopy)
        let accountRead = MethodPolicy(scope: .campaignsRead, auditClass: .read, dataClass: .channelAccounts)
        let accountManage = MethodPolicy(scope: .channelsManage, auditClass: .write, dataClass: .channelAccounts)
        let analytics = MethodPolicy(
            scope: .analyticsRead, auditClass: .read, dataClass: .analytics, timeLimit: .analytics)
        let entries: [(MethodDescriptor, MethodPolicy)] = [
            (
                Contacts.UpsertContact.descriptor,
                .init(scope: .contactsWrite, auditClass: .write, dataClass: .contactProfile)
            ),
            (
                Contacts.UpdateContact.descriptor,
                .init(scope: .contactsWrite, auditClass: .write, dataClass: .contactProfile)
            ),
            (
                Contacts.GetContact.descriptor,
                .init(scope: .contactsRead, auditClass: .personalDataRead, dataClass: .contactProfile)
            ),
            (
                Contacts.ListContacts.descriptor,
                .init(scope: .contactsRead, auditClass: .personalDataRead, dataClass: .contactProfile)
            ),
            (
                Contacts.DeleteContact.descriptor,
                .init(scope: .contactsWrite, auditClass: .write, dataClass: .contactProfile)
            ),
            (Contacts.RecordConsent.descriptor, .init(scope: .contactsWrite, auditClass: .write, dataClass: .consent)),
            (
                Contacts.ListConsentEvents.descriptor,
                .init(scope: .contactsRead, auditClass: .personalDataRead, dataClass: .consent)
            ),

            (Segments.CreateSegment.descriptor, .init(scope: .contactsWrite, auditClass: .write, dataClass: .segments)),
            (Segments.GetSegment.descriptor, .init(scope: .contactsRead, auditClass: .read, dataClass: .segments)),
            (Segments.ListSegments.descriptor, .init(scope: .contactsRead, auditClass: .read, dataClass: .segments)),
            (Segments.DeleteSegment.descriptor, .init(scope: .contactsWrite, auditClass: .write, dataClass: .segments)),
            (
                Segments.AddSegmentMembers.descriptor,
                .init(scope: .contactsWrite, auditClass: .write, dataClass: .segments)
            ),
            (
                Segments.RemoveSegmentMembers.descriptor,
                .init(scope: .contactsWrite, auditClass: .write, dataClass: .segments)
            ),
            (
                Segments.ListSegmentMembers.descriptor,
                .init(scope: .contactsRead, auditClass: .personalDataRead, dataClass: .segments)
            ),

            (
                Admin.CreateTenant.descriptor,
                .init(scope: .tenantsWrite, auditClass: .admin, dataClass: .tenantConfiguration)
            ),
            (
                Admin.GetTenant.descriptor,
                .init(scope: .tenantsRead, auditClass: .read, dataClass: .tenantConfiguration)
            ),
            (
                Admin.ListTenants.descriptor,
                .init(scope: .tenantsRead, auditClass: .read, dataClass: .tenantConfiguration)
            ),
            (
                Admin.CreateApiKey.descriptor,
                .init(scope: .credentialsWrite, auditClass: .admin, dataClass: .credentials)
            ),
            (Admin.ListApiKeys.descriptor, .init(scope: .credentialsRead, auditClass: .read, dataClass: .credentials)),
            (
                Admin.RevokeApiKey.descriptor,
                .init(scope: .credentialsWrite, auditClass: .admin, dataClass: .credentials)
            ),
            (
                Admin.RegisterClientCertificate.descriptor,
                .init(scope: .credentialsWrite, auditClass: .admin, dataClass: .credentials)
            ),
            (
                Admin.ListClientCertificates.descriptor,
                .init(scope: .credentialsRead, auditClass: .read, dataClass: .credentials)
            ),

            (
                Events.IngestEvents.descriptor,
                .init(scope: .eventsWrite, auditClass: .write, dataClass: .marketingEvents, isStreaming: true)
            ),
            (
                Events.LoadExchangeRates.descriptor,
                .init(scope: .eventsWrite, auditClass: .write, dataClass: .marketingEvents)
            ),

            (
                Privacy.OpenRequest.descriptor,
                .init(scope: .privacyWrite, auditClass: .write, dataClass: .privacyRequests)
            ),
            (Privacy.GetRequest.descriptor, .init(scope: .privacyRead, auditClass: .read, dataClass: .privacyRequests)),
            (
                Privacy.ListRequests.descriptor,
                .init(scope: .privacyRead, auditClass: .read, dataClass: .privacyRequests)
            ),
            (
                Privacy.ExportSubjectData.descriptor,
                .init(scope: .privacyWrite, auditClass: .personalDataRead, dataClass: .privacyRequests)
            ),
            (
                Privacy.EraseSubject.descriptor,
                .init(scope: .privacyWrite, auditClass: .write, dataClass: .privacyRequests)
            ),
            (
                Privacy.CloseRequest.descriptor,
                .init(scope: .privacyWrite, auditClass: .write, dataClass: .privacyRequests)
            ),

            (
                Audit.QueryAuditLog.descriptor,
                .init(scope: .auditRead, alternateScope: .platformAuditRead, auditClass: .read, dataClass: .auditLog)
            ),
            (
                Audit.ExportAuditLog.descriptor,
                .init(
                    scope: .auditRead, alternateScope: .platformAuditRead, auditClass: .read, dataClass: .auditLog,
                    isStreaming: true)
            ),
            (
                Audit.GetCheckpoint.descriptor,
                .init(scope: .auditRead, alternateScope: .platformAuditRead, auditClass: .read, dataClass: .auditLog)
            ),
            (
                Audit.GetPublicKeys.descriptor,
                .init(scope: .auditRead, alternateScope: .platformAuditRead, auditClass: .read, dataClass: .auditLog)
            ),

            (Analytics.GetKPIs.descriptor, analytics),
            (Analytics.GetCohortLTV.descriptor, analytics),
            (Analytics.Attribute.descriptor, analytics),
            (Analytics.GetFunnel.descriptor, analytics),
            (Analytics.GetRetention.descriptor, analytics),
            (Analytics.GetPaths.descriptor, analytics),
            (Analytics.GetRFM.descriptor, analytics),
            (Analytics.GetAssociationRules.descriptor, analytics),
            (Analytics.ForecastKPI.descriptor, analytics),
            (Analytics.DetectAnomalies.descriptor, analytics),
            (Analytics.AllocateBudget.descriptor, analytics),
            (Analytics.SimulateBudget.descriptor, analytics),

            (Campaigns.LinkChannelAccount.descriptor, accountManage),
            (Campaigns.GetChannelAccount.descriptor, accountRead),
            (Campaigns.ListChannelAccounts.descriptor, accountRead),
            (Campaigns.UpdateChannelCredentials.descriptor, accountManage),
            (Campaigns.UnlinkChannelAccount.descriptor, accountManage),
            (
                Campaigns.SyncChannelMetrics.descriptor,
                .init(scope: .campaignsWrite, auditClass: .write, dataClass: .channelMetrics)
            ),
            (Campaigns.CreateCampaign.descriptor, campaignWrite),
            (Campaigns.GetCampaign.descriptor, campaignRead),
            (Campaigns.ListCampaigns.descriptor, campaignRead),
            (Campaigns.UpdateCampaign.descriptor, campaignWrite),
            (Campaigns.PublishCampaign.descriptor, campaignWrite),
            (Campaigns.PauseCampaign.descriptor, campaignWrite),
            (Campaigns.ResumeCampaign.descriptor, campaignWrite),
            (Campaigns.ArchiveCampaign.descriptor, campaignWrite),
            (
                Campaigns.ReconcileConversions.descriptor,
                .init(scope: .campaignsRead, auditClass: .read, dataClass: .channelMetrics, timeLimit: .analytics)
            ),

            (Rules.CreateRule.descriptor, ruleWrite),
            (Rules.GetRule.descriptor, ruleRead),
            (Rules.ListRules.descriptor, ruleRead),
            (Rules.UpdateRule.descriptor, ruleWrite),
            (Rules.DeleteRule.descriptor, ruleWrite),
            (Rules.EnableRule.descriptor, ruleWrite),
            (Rules.DisableRule.descriptor, ruleWrite),
            (Rules.RunRule.descriptor, ruleWrite),
            // Reads campaigns' figures over up to 31 days: the analytics bound.
            (
                Rules.DryRunRule.descriptor,
                .init(scope: .rulesRead, auditClass: .read, dataClass: .rules, timeLimit: .analytics)
            ),
            (Rules.ListRuleRuns.descriptor, ruleRead),

            // Who may send personal data out of the region is the account managers' decision.
            (
                Audiences.SetAudienceExport.descriptor,
                .init(scope: .channelsManage, auditClass: .write, dataClass: .tenantConfiguration)
            ),
            (Audiences.ListAudienceExports.descriptor, audienceRead),
            (Audiences.StartAudienceSync.descriptor, audienceWrite),
            (Audiences.GetAudienceSync.descriptor, audienceRead),
            (Audiences.ListAudienceSyncs.descriptor, audienceRead),
            (Audiences.PauseAudienceSync.descriptor, audienceWrite),
            (Audiences.ResumeAudienceSync.descriptor, audienceWrite),
            (Audiences.StopAudienceSync.descriptor, audienceWrite),

            (Content.CheckCopy.descriptor, contentRead),
            (Content.ListRulePacks.descriptor, contentRead),
            (Content.GetRulePack.descriptor, contentRead),
            (Content.CreateRulePack.descriptor, contentRules),
            (Content.UpdateRulePack.descriptor, contentRules),
            (Content.DeleteRulePack.descriptor, contentRules),
            (Content.GetCopyCheck.descriptor, contentRead),
            (Content.ListCopyChecks.descriptor, contentRead),
            (
                Content.RecheckCampaignCopy.descriptor,
                .init(scope: .contentCheck, auditClass: .write, dataClass: .adCopy)
            ),
            (
                Content.ApproveCopyCheck.descriptor,
                .init(scope: .contentApprove, auditClass: .write, dataClass: .adCopy)
            ),
            (Content.PutGlossary.descriptor, contentRules),
            (Content.GetGlossary.descriptor, contentRead),
            (Content.ListGlossaries.descriptor, contentRead),
            (Content.DeleteGlossary.descriptor, contentRules),
            (Content.RenderMessage.descriptor, contentRead),
        ]
        var table: [MethodDescriptor: MethodPolicy] = [:]
        for (method, policy) in entries {
            precondition(table[method] == nil, "\(method.fullyQualifiedMethod) has two policy entries")
            table[method] = policy
        }
        return table
    }()

    public static func policy(for method: MethodDescriptor) -> MethodPolicy? { table[method] }
}

extension Scope {
    /// Scopes only platform operators hold.
    var isOperatorScope: Bool {
        switch self {
        case .tenantsRead, .tenantsWrite, .credentialsRead, .credentialsWrite, .platformAuditRead: true
        default: false
        }
    }
}
