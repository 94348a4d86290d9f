import Foundation
import GRPCCore
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// Audience syncs end to end: consent recorded through the API, the sync run by the real worker
/// through the real connectors over HTTPS, and the channel's list read back from the sandbox,
/// which keeps exactly the hashes it was sent.
@Suite("Audiences on the channels", .serialized)
struct AudiencesTests {
    typealias Audiences = Tradewind_V1_Audiences.Client
    typealias Contacts = Tradewind_V1_Contacts.Client
    typealias Channel = CampaignsTests.Channel

    /// One contact as the test tracks it: what the ledger and the segment say.
    struct Person {
        var id: String
        var email: String
        var phone: String
        var granted: Bool
        var inSegment: Bool
        var erased = false

        /// The hashes a channel should hold for this person, if any.
        func hashes(for channel: AdChannel) -> Set<String> {
            guard granted && inSegment && !erased,
                let hashes = AudienceMemberHashes(email: email, phone: phone, for: channel)
            else { return [] }
            return Set([hashes.email, hashes.phone].compactMap { $0 })
        }
    }

    static func allow(_ key: String, _ channel: Tradewind_V1_Channel, allowed: Bool = true, basis: String = "")
        async throws -> Tradewind_V1_AudienceExport
    {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_SetAudienceExportRequest()
            request.export.channel = channel
            request.export.allowed = allowed
            request.export.legalBasis = basis
            return try await Audiences(wrapping: grpc).setAudienceExport(request, metadata: .bearer(key))
        }
    }

    static func contact(_ key: String, _ name: String, phone: String) async throws -> String {
        try await TestStack.withClient { grpc in
            var upsert = Tradewind_V1_UpsertContactRequest()
            upsert.contact.externalID = "aud-\(name)"
            upsert.contact.email = "\(name)@Example.com"
            upsert.contact.phone = phone
            return try await Contacts(wrapping: grpc).upsertContact(upsert, metadata: .bearer(key)).contact.id
        }
    }

    static func consent(_ key: String, _ id: String, _ action: Tradewind_V1_ConsentAction) async throws {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_RecordConsentRequest()
            request.contactID = id
            request.purpose = .adPersonalisation
            request.action = action
            request.lawfulBasis = action == .grant ? .consent : .unspecified
            request.regime = .gdpr
            request.source = "preference centre"
            _ = try await Contacts(wrapping: grpc).recordConsent(request, metadata: .bearer(key))
        }
    }

    static func start(_ key: String, segment: String, account: String) async throws -> Tradewind_V1_AudienceSync {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_StartAudienceSyncRequest()
            request.segmentID = segment
            request.accountID = account
            return try await Audiences(wrapping: grpc).startAudienceSync(request, metadata: .bearer(key))
        }
    }

    static func get(_ key: String, _ id: String) async throws -> Tradewind_V1_AudienceSync {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_GetAudienceSyncRequest()
            request.id = id
            return try await Audiences(wrapping: grpc).getAudienceSync(request, metadata: .bearer(key))
        }
    }

    /// Opens an erasure request for the contact and carries it out.
    static func erase(_ key: String, _ contactID: String) async throws {
        let request = try await PrivacyTests.open(key, .erasure) { $0.contactID = contactID }
        _ = try await TestStack.withClient { grpc in
            var erase = Tradewind_V1_EraseSubjectRequest()
            erase.requestID = request.id
            return try await Tradewind_V1_Privacy.Client(wrapping: grpc).eraseSubject(erase, metadata: .bearer(key))
        }
    }

    /// The hashes every list of the account holds on the channel.
    static func onChannel(_ channel: Channel, _ account: String) async throws -> Set<String> {
        let answer = try await SandboxControl.call(.GET, "audiences?channel=\(channel.sandbox)&account=\(account)")
        let lists = ((answer as? [String: Any])?["audiences"] as? [[String: Any]]) ?? []
        return Set(lists.flatMap { ($0["hashes"] as? [String]) ?? [] })
    }

    /// How many hashes ever joined the account's lists on the channel, removed since or not.
    static func everAdded(_ channel: Channel, _ account: String) async throws -> Int {
        let answer = try await SandboxControl.call(.GET, "audiences?channel=\(channel.sandbox)&account=\(account)")
        let lists = ((answer as? [String: Any])?["audiences"] as? [[String: Any]]) ?? []
        return lists.reduce(0) { $0 + (($1["hashes_added"] as? NSNumber)?.intValue ?? 0) }
    }

    /// Polls the channel until it holds `expected`; returns how long it took, or nil.
    static func waitFor(
        _ expected: Set<String>, _ channel: Channel, _ account: String, timeout: Duration = .seconds(60)
    ) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if try await onChannel(channel, account) == expected { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    /// Polls the sync until `done` holds (at most 60 s); returns it as it is then.
    static func waitForState(
        _ key: String, _ id: String, until done: (Tradewind_V1_AudienceSync) -> Bool
    ) async throws -> Tradewind_V1_AudienceSync {
        let deadline = ContinuousClock.now + .seconds(60)
        var sync = try await get(key, id)
        while !done(sync) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            sync = try await get(key, id)
        }
        return sync
    }

    /// A tenant with a linked account on `channel`, export to it allowed, and `count` contacts in
    /// an ad-personalisation segment, the first `granted` of them with a grant.
    static func setUp(_ channel: Channel, count: Int, granted: Int) async throws -> (
        key: String, tenant: Tenant, account: Tradewind_V1_ChannelAccount, sandboxID: String, segment: String,
        people: [Person]
    ) {
        let (tenant, key) = try await TestStack.tenant()
        let (account, sandboxID) = try await CampaignsTests.link(key, channel)
        let segment = try await SegmentsTests.create(key, "Lookalike seed", purpose: .adPersonalisation)
        var people: [Person] = []
        let tag = UUID().uuidString.prefix(6).lowercased()
        for i in 0..<count {
            let phone = "+4915\(String(format: "%09d", Int.random(in: 0..<1_000_000_000)))"
            let id = try await Self.contact(key, "p\(i)-\(tag)", phone: phone)
            if i < granted { try await Self.consent(key, id, .grant) }
            people.append(
                Person(id: id, email: "p\(i)-\(tag)@Example.com", phone: phone, granted: i < granted, inSegment: true))
        }
        _ = try await SegmentsTests.add(key, segment.id, people.map(\.id))
        return (key, tenant, account, sandboxID, segment.id, people)
    }

    @Test(
        "only consented members reach the list; after a random mix of grants, withdrawals, erasures and member changes the list and the ledger agree"
    )
    func consentIsTheGate() async throws {
        let meta = Channel.all[1]
        let (key, tenant, account, sandboxID, segment, initial) = try await Self.setUp(meta, count: 10, granted: 7)
        var people = initial
        // One of the three without a grant withdrew outright: the ledger holds a refusal for them.
        try await Self.consent(key, people[7].id, .withdraw)
        let refused = await Status.of { _ = try await Self.start(key, segment: segment, account: account.id) }
        #expect(refused?.code == .failedPrecondition && refused?.message.contains("SetAudienceExport") == true)
        #expect(try await Self.onChannel(meta, sandboxID).isEmpty)

        _ = try await Self.allow(key, .meta)
        let sync = try await Self.start(key, segment: segment, account: account.id)
        #expect(sync.status == .active && sync.channel == .meta)
        func expected() -> Set<String> { people.reduce(into: []) { $0.formUnion($1.hashes(for: .meta)) } }
        #expect(expected().count == 14)
        #expect(try await Self.waitFor(expected(), meta, sandboxID) != nil, "the first upload did not arrive")
        // The channel holds them a moment before the run records what it sent.
        // Settled: the last pass is over and the next one is the scheduled one (20 s here).
        let first = try await Self.waitForState(key, sync.id) {
            $0.membersOnList == 7 && $0.pendingRemovals == 0 && $0.nextRunTime.date > Date().addingTimeInterval(3)
        }
        #expect(
            first.membersOnList == 7 && first.membersSent == 7 && first.pendingRemovals == 0 && !first.listID.isEmpty)
        // Nobody without a grant ever reached the list, not even for a moment.
        #expect(try await Self.everAdded(meta, sandboxID) == 14)

        // A withdrawal owes the removal and brings the sync's run forward to now in its own
        // transaction: at once, the removal is owed (or already made) and the next run is due now,
        // not at the scheduled one. (A pass ending at that moment is serialised with it on the
        // sync's row.)
        try await Self.consent(key, people[0].id, .withdraw)
        let owed = try await Self.get(key, sync.id)
        #expect(owed.nextRunTime.date <= Date(), "\(owed)")
        #expect(owed.pendingRemovals == 1 || owed.membersOnList == 6, "\(owed)")
        people[0].granted = false
        let took = try await Self.waitFor(expected(), meta, sandboxID, timeout: .seconds(60))
        let afterWithdrawal = try await Self.get(key, sync.id)
        #expect(took != nil, "the withdrawn member stayed on the list: \(afterWithdrawal)")

        // A random mix, then the list must equal what the ledger allows.
        var generator = SplitMix64(seed: 14)
        for step in 0..<16 {
            let i = Int(generator.next() % UInt64(people.count))
            guard !people[i].erased else { continue }
            let id = people[i].id
            switch generator.next() % 5 {
            case 0:
                try await Self.consent(key, people[i].id, .withdraw)
                people[i].granted = false
            case 1:
                try await Self.consent(key, people[i].id, .grant)
                people[i].granted = true
            case 2:
                try await TestStack.withClient { grpc in
                    var request = Tradewind_V1_RemoveSegmentMembersRequest()
                    request.segmentID = segment
                    request.contactIds = [id]
                    _ = try await Tradewind_V1_Segments.Client(wrapping: grpc).removeSegmentMembers(
                        request, metadata: .bearer(key))
                }
                people[i].inSegment = false
            case 3:
                _ = try await SegmentsTests.add(key, segment, [people[i].id])
                people[i].inSegment = true
            default:
                let email = "changed\(step)-\(people[i].email)"
                try await TestStack.withClient { grpc in
                    var update = Tradewind_V1_UpdateContactRequest()
                    update.contact.id = id
                    update.contact.email = email
                    update.updateMask.paths = ["email"]
                    _ = try await Contacts(wrapping: grpc).updateContact(update, metadata: .bearer(key))
                }
                people[i].email = email
            }
        }
        // And one erasure of someone on the list.
        if let i = people.indices.first(where: { !people[$0].hashes(for: .meta).isEmpty }) {
            let id = people[i].id
            try await Self.erase(key, id)
            people[i].erased = true
        }
        let agreed = try await Self.waitFor(expected(), meta, sandboxID)
        if agreed == nil {
            let holds = try await Self.onChannel(meta, sandboxID)
            let state = try await Self.get(key, sync.id)
            Issue.record(
                "the list and the ledger disagree: extra \(holds.subtracting(expected()).count), missing \(expected().subtracting(holds).count); \(state)"
            )
        }
        let onList = people.filter { !$0.hashes(for: .meta).isEmpty }.count
        let settled = try await Self.waitForState(key, sync.id) {
            $0.pendingRemovals == 0 && Int($0.membersOnList) == onList
        }
        #expect(
            settled.pendingRemovals == 0
                && Int(settled.membersOnList) == people.filter { !$0.hashes(for: .meta).isEmpty }.count)
        // What Tradewind keeps is exactly what the channel holds: no hash of anyone gone.
        let kept = try await EventsTests.querying(
            tenant,
            "SELECT coalesce(email_sha256, '') || ',' || coalesce(phone_sha256, '') FROM audience_sync_members WHERE tenant_id = \(tenant.id)",
            as: String.self)
        #expect(Set(kept.flatMap { $0.split(separator: ",").map(String.init) }) == expected())

        // The uploads are audited with counts only, never a hash.
        let lines = try await AuditHarness.export(key: key)
        let runs = lines.filter { $0.contains("\"method\":\"tradewind/audiences.sync\"") }
        #expect(!runs.isEmpty && runs.allSatisfy { $0.contains("members_sent:") })
        let hashes = expected()
        #expect(!lines.contains { line in hashes.contains { line.contains($0) } }, "a hash in the audit log")
        #expect(lines.contains { $0.contains("\"operation\":\"customaudience.users:add\"") })
        #expect(lines.contains { $0.contains("\"operation\":\"customaudience.users:remove\"") })
        // The tenant's view: its syncs and its export settings.
        try await TestStack.withClient { grpc in
            let audiences = Audiences(wrapping: grpc)
            let syncs = try await audiences.listAudienceSyncs(.init(), metadata: .bearer(key)).syncs
            #expect(syncs.map(\.id) == [sync.id])
            let exports = try await audiences.listAudienceExports(.init(), metadata: .bearer(key)).exports
            #expect(exports.map(\.channel) == [.meta] && exports.first?.allowed == true)
        }
    }

    @Test(
        "while the channel refuses, the sync shows the removals owed; an erasure keeps only those, tied to no one, until the channel confirms"
    )
    func outageAndErasure() async throws {
        let meta = Channel.all[1]
        let (key, tenant, account, sandboxID, segment, people) = try await Self.setUp(meta, count: 3, granted: 3)
        _ = try await Self.allow(key, .meta)
        let sync = try await Self.start(key, segment: segment, account: account.id)
        let all = people.reduce(into: Set<String>()) { $0.formUnion($1.hashes(for: .meta)) }
        #expect(try await Self.waitFor(all, meta, sandboxID) != nil)
        let access = try await PrivacyTests.export(
            key, try await PrivacyTests.open(key, .access) { $0.contactID = people[1].id }.id)
        let recipients = access["audience_recipients"] as? [[String: Any]] ?? []
        #expect(recipients.count == 1 && recipients.first?["channel"] as? String == "meta")
        #expect(recipients.first?["account"] as? String == account.externalID)

        try await SandboxControl.fault(
            "meta", "server_error", operation: "customaudience.users.remove", times: 1000)
        do {
            try await Self.erase(key, people[0].id)
            try await Self.consent(key, people[1].id, .withdraw)
            var owed = try await Self.get(key, sync.id)
            let deadline = ContinuousClock.now + .seconds(20)
            while owed.lastErrorCode.isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                owed = try await Self.get(key, sync.id)
            }
            #expect(owed.pendingRemovals == 2 && owed.hasOldestPendingRemovalTime && !owed.lastErrorCode.isEmpty)
            #expect(try await Self.onChannel(meta, sandboxID) == all)
            // The erased person: no raw identifier anywhere; their hashes only as a removal owed.
            let traces = try await PrivacyTests.traces(
                tenant, [people[0].email.lowercased(), people[0].phone, people[0].id])
            #expect(traces.isEmpty, "\(traces)")
            let owedRows = try await EventsTests.querying(
                tenant,
                """
                SELECT (contact_id IS NULL)::text FROM audience_sync_members
                WHERE tenant_id = \(tenant.id) AND state = 2 ORDER BY 1
                """, as: String.self)
            #expect(owedRows == ["false", "true"], "the withdrawal tied to its contact, the erasure to no one")
        } catch {
            _ = try? await SandboxControl.call(.DELETE, "faults")
            throw error
        }
        try await SandboxControl.call(.DELETE, "faults")
        let remaining = people[2].hashes(for: .meta)
        #expect(try await Self.waitFor(remaining, meta, sandboxID, timeout: .seconds(90)) != nil)
        let after = try await Self.waitForState(key, sync.id) { $0.pendingRemovals == 0 && $0.membersOnList == 1 }
        #expect(after.pendingRemovals == 0 && after.membersOnList == 1 && after.lastErrorCode.isEmpty)
        let erasedLeft = try await EventsTests.querying(
            tenant,
            "SELECT count(*)::int FROM audience_sync_members WHERE tenant_id = \(tenant.id) AND contact_id IS NULL",
            as: Int.self)
        #expect(erasedLeft == [0], "an erased person's hashes outlived the channel's confirmation")
    }

    /// Google's jobs on `sandboxID` that the sandbox's `job_failure` fault made fail, as it logged them.
    static func failedGoogleJobs(_ sandboxID: String) async throws -> Int {
        let answer = try await SandboxControl.call(.GET, "requests?channel=google-ads")
        let requests = ((answer as? [String: Any])?["requests"] as? [[String: Any]]) ?? []
        return requests.filter {
            $0["account"] as? String == sandboxID && $0["operation"] as? String == "offlineUserDataJobs:run"
                && $0["fault"] as? String == "job_failure"
        }.count
    }

    @Test("Google: members sent in a job count as on the list only once it succeeds; a failed job sends them again")
    func additionWaitsForTheChannelsJob() async throws {
        let google = Channel.all[0]
        let (key, _, account, sandboxID, segment, people) = try await Self.setUp(google, count: 2, granted: 2)
        _ = try await Self.allow(key, .googleAds)
        func failedRuns() async throws -> Int { try await Self.failedGoogleJobs(sandboxID) }
        try await SandboxControl.fault("google-ads", "job_failure", operation: "offlineUserDataJobs:run", times: 0)
        let sync: Tradewind_V1_AudienceSync
        do {
            sync = try await Self.start(key, segment: segment, account: account.id)
            // Two failed jobs: the first was seen to fail and its members sent again.
            let deadline = ContinuousClock.now + .seconds(60)
            while try await failedRuns() < 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(try await failedRuns() >= 2)
            let failing = try await Self.get(key, sync.id)
            #expect(failing.membersOnList == 0, "a failed job put no one on the list: \(failing)")
            #expect(
                failing.lastErrorCode == "job_failed" && failing.lastErrorMessage.contains("addition"), "\(failing)")
            #expect(try await Self.onChannel(google, sandboxID).isEmpty, "the sandbox applied a failed job")
        } catch {
            _ = try? await SandboxControl.call(.DELETE, "faults")
            throw error
        }
        try await SandboxControl.call(.DELETE, "faults")
        let all = people.reduce(into: Set<String>()) { $0.formUnion($1.hashes(for: .googleAds)) }
        #expect(try await Self.waitFor(all, google, sandboxID) != nil)
        let settled = try await Self.waitForState(key, sync.id) {
            $0.membersOnList == 2 && $0.additionsAwaitingConfirmation == 0
        }
        #expect(settled.membersOnList == 2 && settled.additionsAwaitingConfirmation == 0, "\(settled)")
        #expect(settled.lastErrorCode.isEmpty, "confirmed: the job's failure is behind it \(settled)")
    }

    @Test(
        "Google: an erasure's hashes stay until Google's job confirms the removal; a job that failed is sent again"
    )
    func removalWaitsForTheChannelsJob() async throws {
        let google = Channel.all[0]
        let (key, tenant, account, sandboxID, segment, people) = try await Self.setUp(google, count: 3, granted: 3)
        _ = try await Self.allow(key, .googleAds)
        let sync = try await Self.start(key, segment: segment, account: account.id)
        let all = people.reduce(into: Set<String>()) { $0.formUnion($1.hashes(for: .googleAds)) }
        #expect(try await Self.waitFor(all, google, sandboxID) != nil)

        func failedRuns() async throws -> Int { try await Self.failedGoogleJobs(sandboxID) }
        try await SandboxControl.fault("google-ads", "job_failure", operation: "offlineUserDataJobs:run", times: 0)
        do {
            try await Self.erase(key, people[0].id)
            // Two failed jobs: the first was seen to fail and its removal sent again.
            let deadline = ContinuousClock.now + .seconds(60)
            while try await failedRuns() < 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(try await failedRuns() >= 2)
            let waiting = try await Self.get(key, sync.id)
            #expect(waiting.pendingRemovals == 1 && waiting.hasOldestPendingRemovalTime, "\(waiting)")
            // The channel's refusal stays in sight while the removal it refused is still owed.
            #expect(waiting.lastErrorCode == "job_failed", "\(waiting)")
            #expect(waiting.lastErrorMessage.contains("did not apply a removal"), "\(waiting)")
            #expect(try await Self.onChannel(google, sandboxID) == all, "a failed job applied nothing")
            let kept = try await EventsTests.querying(
                tenant,
                """
                SELECT state::int FROM audience_sync_members
                WHERE tenant_id = \(tenant.id) AND contact_id IS NULL
                """, as: Int.self)
            #expect(kept.count == 1 && kept.allSatisfy { $0 >= 2 }, "the hashes went before Google confirmed: \(kept)")
            let traces = try await PrivacyTests.traces(
                tenant, [people[0].email.lowercased(), people[0].phone, people[0].id])
            #expect(traces.isEmpty, "\(traces)")
        } catch {
            _ = try? await SandboxControl.call(.DELETE, "faults")
            throw error
        }
        try await SandboxControl.call(.DELETE, "faults")
        let remaining = people[1].hashes(for: .googleAds).union(people[2].hashes(for: .googleAds))
        #expect(try await Self.waitFor(remaining, google, sandboxID) != nil)
        let after = try await Self.waitForState(key, sync.id) {
            $0.pendingRemovals == 0 && $0.removalsAwaitingConfirmation == 0 && $0.membersOnList == 2
        }
        #expect(after.pendingRemovals == 0 && after.removalsAwaitingConfirmation == 0 && after.membersOnList == 2)
        #expect(after.lastErrorCode.isEmpty, "confirmed: the job's failure is behind it \(after)")
        let erasedLeft = try await EventsTests.querying(
            tenant,
            "SELECT count(*)::int FROM audience_sync_members WHERE tenant_id = \(tenant.id) AND contact_id IS NULL",
            as: Int.self)
        #expect(erasedLeft == [0], "an erased person's hashes outlived Google's confirmation")
    }

    @Test("stopping a sync empties the channel's list; pause sends nothing new")
    func pauseAndStop() async throws {
        let tiktok = Channel.all[2]
        let (key, _, account, sandboxID, segment, initial) = try await Self.setUp(tiktok, count: 4, granted: 2)
        var people = initial
        _ = try await Self.allow(key, .tiktok)
        let sync = try await Self.start(key, segment: segment, account: account.id)
        func expected() -> Set<String> { people.reduce(into: []) { $0.formUnion($1.hashes(for: .tiktok)) } }
        #expect(try await Self.waitFor(expected(), tiktok, sandboxID) != nil)
        try await TestStack.withClient { grpc in
            var pause = Tradewind_V1_PauseAudienceSyncRequest()
            pause.id = sync.id
            let paused = try await Audiences(wrapping: grpc).pauseAudienceSync(pause, metadata: .bearer(key))
            #expect(paused.status == .paused)
        }
        try await Self.consent(key, people[2].id, .grant)
        try await Self.consent(key, people[0].id, .withdraw)
        people[0].granted = false
        // Paused: the withdrawal still leaves; the new grant is not sent.
        var pausedView = expected()
        pausedView.subtract(people[2].hashes(for: .tiktok))
        people[2].granted = true
        #expect(try await Self.waitFor(pausedView, tiktok, sandboxID, timeout: .seconds(15)) != nil)
        try await Task.sleep(for: .seconds(3))
        #expect(try await Self.onChannel(tiktok, sandboxID) == pausedView)
        // Resumed: the grant goes out.
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_ResumeAudienceSyncRequest()
            request.id = sync.id
            let resumed = try await Audiences(wrapping: grpc).resumeAudienceSync(request, metadata: .bearer(key))
            #expect(resumed.status == .active)
        }
        #expect(try await Self.waitFor(expected(), tiktok, sandboxID) != nil)
        try await TestStack.withClient { grpc in
            var stop = Tradewind_V1_StopAudienceSyncRequest()
            stop.id = sync.id
            _ = try await Audiences(wrapping: grpc).stopAudienceSync(stop, metadata: .bearer(key))
        }
        #expect(try await Self.waitFor([], tiktok, sandboxID) != nil)
        let resume = await Status.of {
            _ = try await TestStack.withClient { grpc in
                var request = Tradewind_V1_ResumeAudienceSyncRequest()
                request.id = sync.id
                return try await Audiences(wrapping: grpc).resumeAudienceSync(request, metadata: .bearer(key))
            }
        }
        #expect(resume?.code == .failedPrecondition, "a stopping or stopped sync cannot resume")
        var stopped = try await Self.get(key, sync.id)
        let deadline = ContinuousClock.now + .seconds(15)
        while stopped.status != .stopped && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            stopped = try await Self.get(key, sync.id)
        }
        #expect(stopped.status == .stopped && stopped.membersOnList == 0)
    }

    @Test("a cn tenant must record the legal basis to allow an export; operators see the setting")
    func exportSetting() async throws {
        let (tenant, owner) = try await TestStack.tenant("cn")
        let missing = await Status.of { _ = try await Self.allow(owner, .meta) }
        #expect(missing?.code == .invalidArgument && Status.fieldViolations(missing) == ["export.legal_basis"])
        let allowed = try await Self.allow(owner, .meta, basis: "CAC standard contract, filed 2026-03-02")
        #expect(allowed.allowed && allowed.channel == .meta && !allowed.changedBy.isEmpty)
        let operatorKey = try await TestStack.operatorKey()
        let seen = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_GetTenantRequest()
            request.id = tenant.id.uuidString.lowercased()
            return try await Tradewind_V1_TenantAdmin.Client(wrapping: grpc).getTenant(
                request, metadata: .bearer(operatorKey))
        }
        #expect(seen.settings.audienceExports.map(\.channel) == ["meta"])
        #expect(seen.settings.audienceExports.first?.legalBasis == "CAC standard contract, filed 2026-03-02")
        // A marketer may sync but not decide on the transfer.
        let marketer = try await TestStack.key(tenantID: tenant.id, role: .marketer)
        let denied = await Status.of { _ = try await Self.allow(marketer, .tiktok) }
        #expect(denied?.code == .permissionDenied)
        let lines = try await AuditHarness.export(key: owner)
        #expect(lines.contains { $0.contains("tradewind.v1.Audiences/SetAudienceExport") })
    }

    @Test("another tenant's sync ids answer like random ones; an analyst reads counts but cannot start a sync")
    func crossTenantAndRoles() async throws {
        let meta = Channel.all[1]
        let (key, tenant, account, _, segment, _) = try await Self.setUp(meta, count: 1, granted: 1)
        _ = try await Self.allow(key, .meta)
        let sync = try await Self.start(key, segment: segment, account: account.id)
        let (_, other) = try await TestStack.tenant()
        for id in [sync.id, UUID().uuidString.lowercased()] {
            let read = await Status.of { _ = try await Self.get(other, id) }
            #expect(read?.code == .notFound && read?.message == "no such audience sync")
        }
        let analyst = try await TestStack.key(tenantID: tenant.id, role: .analyst)
        #expect(try await Self.get(analyst, sync.id).id == sync.id)
        let start = await Status.of { _ = try await Self.start(analyst, segment: segment, account: account.id) }
        #expect(start?.code == .permissionDenied)
        let again = await Status.of { _ = try await Self.start(key, segment: segment, account: account.id) }
        #expect(again?.code == .alreadyExists)
    }
}
