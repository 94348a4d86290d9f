import Foundation

/// A customer list a channel holds (Google user list, Meta custom audience, TikTok custom audience,
/// Amazon advertiser audience): its wire fields and its members' SHA-256 hashes. Membership is a
/// set per identifier type, as on the channels: adding a hash already there, or removing one that
/// is not, changes nothing; both are one hash lookup, so a list of millions costs no more per
/// member than a list of ten.
public struct SandboxAudience: Codable, Sendable, Equatable {
    public var channel: AdChannel
    /// The ad account (Google customer, Meta ad account, TikTok advertiser) or, on Amazon, the DSP
    /// advertiser the list belongs to.
    public var account: String
    public var id: String
    public var name: String
    /// Creation counter shared with ad objects: shows order and duplicates.
    public var sequence: Int
    /// The list as the channel returns it, keyed by wire names.
    public var fields: [String: JSONValue]
    public var emails: Set<String> = []
    public var phones: Set<String> = []
    /// Hashes that ever joined the list (an add of one already there does not count): a test sees
    /// a member who was sent and removed again, whom the final list no longer shows. Nil in state
    /// saved before it was counted.
    public var hashesAdded: Int?

    /// Applies one member's change; whether anything changed.
    @discardableResult
    mutating func apply(_ member: MemberHashes, remove: Bool) -> Bool {
        var added = 0
        var changed = false
        if let email = member.email {
            let done = remove ? emails.remove(email) != nil : emails.insert(email).inserted
            if done && !remove { added += 1 }
            changed = done || changed
        }
        if let phone = member.phone {
            let done = remove ? phones.remove(phone) != nil : phones.insert(phone).inserted
            if done && !remove { added += 1 }
            changed = done || changed
        }
        if added > 0 { hashesAdded = (hashesAdded ?? 0) + added }
        return changed
    }

    var memberCount: Int { emails.count + phones.count }
}

/// One member's hashes as a request carried them.
public struct MemberHashes: Codable, Sendable, Equatable {
    public var email: String?
    public var phone: String?

    /// Whether `text` is a SHA-256 digest as the channels take it: 64 lower-case hex characters.
    static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// A Google Ads `OfflineUserDataJob` of type CUSTOMER_MATCH_USER_LIST and its place in
/// PENDING → RUNNING → SUCCESS: it takes operations only while PENDING; `:run` applies them and
/// makes it RUNNING; the next read of its status finds it SUCCESS.
public struct GoogleUserDataJob: Codable, Sendable, Equatable {
    public var id: String
    public var customerID: String
    public var userListID: String
    public var status: String
    public var operations: [MemberChange] = []
    /// Reads of the status since `:run`.
    public var statusReads = 0
    /// Set by the `job_failure` fault: the job ends FAILED, its operations unapplied.
    public var fails = false
}

/// One member added or removed, in request order.
public struct MemberChange: Codable, Sendable, Equatable {
    public var remove: Bool
    public var member: MemberHashes
}

/// An Amazon advertiser-audience records job (`POST /amc/audiences/records`): applied when
/// accepted, reported by `GET /amc/audiences/records/{jobRequestId}`.
public struct AmazonAudienceJob: Codable, Sendable, Equatable {
    public var id: String
    public var audienceID: String
    public var received: Int
    public var invalid: Int
    /// SUCCEEDED, or FAILED (nothing applied) under the `job_failure` fault.
    public var status = "SUCCEEDED"
}

/// Every channel's customer lists and the jobs that change them, persisted with the world.
public struct AudienceBook: Codable, Sendable, Equatable {
    /// By `"<channel>/<id>"`.
    public var lists: [String: SandboxAudience] = [:]
    public var googleJobs: [String: GoogleUserDataJob] = [:]
    public var amazonJobs: [String: AmazonAudienceJob] = [:]

    static func key(_ channel: AdChannel, _ id: String) -> String { "\(channel.rawValue)/\(id)" }
}

extension World {
    /// The audience book, read-only.
    public var audienceBook: AudienceBook { storedAudiences ?? AudienceBook() }

    public func audience(_ channel: AdChannel, _ id: String) -> SandboxAudience? {
        storedAudiences?.lists[AudienceBook.key(channel, id)]
    }

    public func audiences(_ channel: AdChannel, account: String? = nil) -> [SandboxAudience] {
        (storedAudiences?.lists.values ?? [:].values).filter {
            $0.channel == channel && (account == nil || $0.account == account)
        }.sorted { $0.sequence < $1.sequence }
    }

    /// Changes the audience book in place (taken out of the world while `body` runs, so its sets
    /// are never copied).
    mutating func withAudiences<T>(_ body: (inout AudienceBook) -> T) -> T {
        var book = storedAudiences.take() ?? AudienceBook()
        defer { storedAudiences = book }
        return body(&book)
    }

    /// Creates a list with a new id in the channel's style.
    mutating func insertAudience(
        _ channel: AdChannel, account: String, name: String, fields: [String: JSONValue]
    ) -> SandboxAudience {
        let audience = SandboxAudience(
            channel: channel, account: account, id: newObjectID(channel), name: name, sequence: takeSequence(),
            fields: fields)
        withAudiences { $0.lists[AudienceBook.key(channel, audience.id)] = audience }
        return audience
    }

    /// Adds or removes members of a list; how many members changed something. Nil: no such list.
    @discardableResult
    mutating func changeMembers(
        _ channel: AdChannel, _ id: String, _ members: [MemberHashes], remove: Bool
    ) -> Int? {
        withAudiences { book -> Int? in
            let key = AudienceBook.key(channel, id)
            guard var list = book.lists.removeValue(forKey: key) else { return nil }
            defer { book.lists[key] = list }
            return members.reduce(0) { $0 + (list.apply($1, remove: remove) ? 1 : 0) }
        }
    }
}
