import TradewindCore

/// A customer list on a channel: Google Ads `userLists/{id}` (CRM-based, contact info), a Meta
/// custom audience (`subtype=CUSTOM`, customer file), a TikTok custom audience, an Amazon Ads
/// advertiser audience. `externalID` is the channel's id of it.
public struct AudienceList: Sendable, Hashable, Codable {
    public var externalID: String
    public var name: String

    public init(externalID: String, name: String) {
        self.externalID = externalID
        self.name = name
    }
}

/// What the channel said it took from one `add` or `remove`, summed over the requests it needed.
/// Where the channel reports nothing per member (Google's job, TikTok's mapping, Amazon's
/// asynchronous records job), `received` is what the channel accepted without refusing the
/// request and `invalid` what it refused per item.
public struct AudienceUploadResult: Sendable, Hashable {
    public var received: Int
    public var invalid: Int
    /// The channel's asynchronous jobs that carry the change (Google's offline user data job,
    /// Amazon's records jobs): the change holds only once `jobState` says each succeeded. Empty
    /// where the answer itself confirms it (Meta, TikTok).
    public var jobs: [String]

    public init(received: Int, invalid: Int, jobs: [String] = []) {
        self.received = received
        self.invalid = invalid
        self.jobs = jobs
    }

    static let none = AudienceUploadResult(received: 0, invalid: 0)

    static func + (lhs: AudienceUploadResult, rhs: AudienceUploadResult) -> AudienceUploadResult {
        AudienceUploadResult(
            received: lhs.received + rhs.received, invalid: lhs.invalid + rhs.invalid, jobs: lhs.jobs + rhs.jobs)
    }
}

/// Where a channel's asynchronous upload job stands.
public enum AudienceJobState: Sendable, Hashable {
    /// Queued or under way.
    case running
    /// Applied: the list holds the change.
    case succeeded
    /// Not applied; the change must be sent again. The reason is the channel's.
    case failed(reason: String)

    /// The channel's reason, for a failed job.
    public var failureReason: String? {
        if case .failed(let reason) = self { return reason }
        return nil
    }
}

/// Customer-list upload on one channel, in its own wire format (see `ChannelMapping.md`,
/// "Customer lists"). Members arrive hashed (`AudienceMemberHashes`, normalised by
/// `AudienceNormalisation.of(channel)`); nothing here sees an identifier in clear. Consent gating
/// is the caller's: every member passed in may be uploaded.
///
/// Membership on every channel is a set: adding a member already there, or removing one that is
/// not, changes nothing, so `add` and `remove` are safe to retry after any failure, `ambiguous`
/// included. Calls go through the same `ChannelCaller` as campaign calls, so throttling, expired
/// tokens and 5xx read as the same `ChannelError`s.
///
/// - Google Ads: `userLists:mutate` (create), GAQL on `user_list` (find); each `add`/`remove` is
///   one `OfflineUserDataJob` (`offlineUserDataJobs:create` → `:addOperations` in batches → `:run`).
/// - Meta: `POST act_<id>/customaudiences` (create), `GET act_<id>/customaudiences` (find),
///   `POST` / `DELETE /<audience_id>/users` with `payload` and `session`.
/// - TikTok: `POST segment/audience/` (create), `GET dmp/custom_audience/list/` (find),
///   `POST segment/mapping/` with `action` `add` / `delete`.
/// - Amazon Ads: `POST /amc/audiences/metadata` (create), `GET /amc/audiences/metadata/{id}`
///   (check a known list), `POST /amc/audiences/records` with `action` `CREATE` / `DELETE`.
public protocol AudienceConnector: Sendable {
    var channel: AdChannel { get }

    /// Members per request the channel accepts; `add` and `remove` split longer arrays into
    /// requests of at most this many. Meta 10,000 (`payload.data`); Google 5,000 (two identifiers
    /// each, within Google's recommended 10,000 identifiers per `addOperations` and far below its
    /// limit of 100,000); TikTok 10,000 `batch_data` rows; Amazon 6,000 records (its guidance).
    var maximumMembersPerRequest: Int { get }

    /// Finds the list stamped with `reference` or creates it, named `name` plus the stamp, so a
    /// retry after a lost response finds the list instead of making a second one. `existing` is the
    /// list the caller already knows, if any: Amazon Ads can read a list by id but cannot search
    /// by name or external id, so there it is checked and reused; elsewhere it is checked by the
    /// same search.
    func ensureList(
        reference: ChannelReference, name: String, existing: AudienceList?, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceList

    func add(
        _ members: [AudienceMemberHashes], to list: AudienceList, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult

    func remove(
        _ members: [AudienceMemberHashes], from list: AudienceList, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult

    /// Where one of the jobs an `add` or `remove` named stands. A job the channel no longer knows
    /// reads as failed, so its change is sent again (safe: membership is a set).
    func jobState(_ job: String, in account: ChannelAccount, session: ChannelSession) async throws(ChannelError)
        -> AudienceJobState
}

extension AudienceConnector {
    /// Channels whose answers confirm a change (Meta, TikTok) name no jobs, so none is asked about.
    public func jobState(_ job: String, in account: ChannelAccount, session: ChannelSession)
        async throws(ChannelError) -> AudienceJobState
    {
        .succeeded
    }

    /// `ensureList` for a list the caller does not know yet.
    public func ensureList(
        reference: ChannelReference, name: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) -> AudienceList {
        try await ensureList(reference: reference, name: name, existing: nil, in: account, session: session)
    }

    /// The members in requests of at most `maximumMembersPerRequest`, members with no hash left out.
    func batches(_ members: [AudienceMemberHashes]) -> [ArraySlice<AudienceMemberHashes>] {
        let usable = members.filter { $0.email != nil || $0.phone != nil }
        let size = max(1, maximumMembersPerRequest)
        return stride(from: 0, to: usable.count, by: size).map { usable[$0..<min($0 + size, usable.count)] }
    }

    func malformedAudienceResponse(_ what: String) -> ChannelError {
        .transient(ChannelErrorDetail(channel: channel, code: nil, message: "unexpected response: no \(what)"))
    }
}
