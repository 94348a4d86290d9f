import Crypto
import Foundation
import HummingbirdTesting
import Logging
import SwiftASN1
import Testing
import TradewindCore
import X509

@testable import TradewindChannels
@testable import TradewindSandbox

/// The real connectors against the in-process sandbox over TLS, through `ChannelConnectors` and
/// AsyncHTTPClient: ensure a list twice, add three members, remove one, and read in the sandbox's
/// store (what `GET /_sandbox/audiences` answers) that the channel holds exactly the other two, on
/// all four channels. Google and Amazon apply uploads in jobs of their own: the removal holds once
/// its job reads succeeded, and a job that failed applied nothing.
@Suite("Customer lists: connectors against the sandbox over TLS")
struct AudienceRoundTripTests {
    /// A self-signed certificate for 127.0.0.1, its key, written as PEM files; the connectors trust it.
    static func certificate() throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("tradewind-sandbox-test") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(3600), issuer: name,
            subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                SubjectAlternativeNames([
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])), .dnsName("localhost"),
                ])
            },
            issuerPrivateKey: .init(key))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificatePath = directory.appendingPathComponent("sandbox.pem").path
        let keyPath = directory.appendingPathComponent("sandbox.key").path
        try certificate.serializeAsPEM().pemString.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        return (certificatePath, keyPath)
    }

    /// `AdChannel` is Core's here; the sandbox has its own, named as its Control API names channels.
    typealias AdChannel = TradewindCore.AdChannel

    struct Case: Sendable {
        var account: ChannelAccount
        var credentials: ChannelCredentials
        /// Whose lists the Control API lists: the ad account, or Amazon's DSP advertiser.
        var owner: String
    }

    static let dspAdvertiser = "5871234567890123"

    static func cases() -> [AdChannel: Case] {
        func account(_ channel: AdChannel, _ id: String, marketplace: String? = nil, settings: [String: String] = [:])
            -> ChannelAccount
        {
            ChannelAccount(
                identity: ChannelAccountIdentity(channel: channel, externalID: id, marketplaceID: marketplace),
                currency: "USD", timeZone: "America/New_York", settings: settings)
        }
        return [
            .googleAds: Case(
                account: account(.googleAds, "1234567890"),
                credentials: ChannelCredentials(
                    accessToken: "sandbox-access-google-ads-1234567890", developerToken: "sandbox-developer-token"),
                owner: "1234567890"),
            .meta: Case(
                account: account(.meta, "act_101000000000001"),
                credentials: ChannelCredentials(accessToken: "sandbox-access-meta-101000000000001"),
                owner: "101000000000001"),
            .tiktok: Case(
                account: account(.tiktok, "7000000000000000001"),
                credentials: ChannelCredentials(accessToken: "sandbox-access-tiktok-7000000000000000001"),
                owner: "7000000000000000001"),
            .amazonAds: Case(
                account: account(
                    .amazonAds, "3000000000001", marketplace: "ATVPDKIKX0DER",
                    settings: [ChannelAccount.Setting.amazonDSPAdvertiserID: dspAdvertiser]),
                credentials: ChannelCredentials(
                    accessToken: "sandbox-access-amazon-ads-3000000000001", clientID: "sandbox-amazon-ads-client"),
                owner: dspAdvertiser),
        ]
    }

    static func sandboxChannel(_ channel: AdChannel) -> TradewindSandbox.AdChannel {
        switch channel {
        case .googleAds: .googleAds
        case .meta: .meta
        case .tiktok: .tiktok
        case .amazonAds: .amazonAds
        }
    }

    /// Runs `body` with the real connectors talking to an in-process sandbox over TLS, and shuts
    /// them down whatever happens.
    static func withSandbox(
        seed: UInt64, _ body: @Sendable (ChannelConnectors, SandboxStore) async throws -> Void
    ) async throws {
        let (certificatePath, keyPath) = try certificate()
        let store = SandboxStore(seed: seed)
        store.provisionDefaults()
        let app = try SandboxServer.application(
            store: store, host: "127.0.0.1", port: 0, certificatePath: certificatePath, privateKeyPath: keyPath)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let origin = try #require(URL(string: "https://127.0.0.1:\(port)"))
            let connectors = try ChannelConnectors(
                configuration: ChannelClientConfiguration(
                    endpoints: .sandbox(origin), trustRootsPEMPath: certificatePath),
                logger: Logger(label: "audience-round-trip"))
            do {
                try await body(connectors, store)
            } catch {
                try await connectors.shutdown()
                throw error
            }
            try await connectors.shutdown()
        }
    }

    /// Asks about `job` until it is no longer running (the sandbox finishes a job by the second look).
    static func outcome(
        of job: String, _ audiences: any AudienceConnector, _ setup: Case, _ session: ChannelSession
    ) async throws -> AudienceJobState {
        for _ in 0..<5 {
            let state = try await audiences.jobState(job, in: setup.account, session: session)
            if state != .running { return state }
        }
        return .running
    }

    @Test(
        "Google and Amazon: a removal whose job failed applied nothing and reads failed; sent again, it holds",
        arguments: [TradewindCore.AdChannel.googleAds, .amazonAds])
    func failedJob(_ channel: AdChannel) async throws {
        let setup = try #require(Self.cases()[channel])
        try await Self.withSandbox(seed: 6) { connectors, store in
            let audiences = connectors.audienceConnector(for: channel)
            let session = ChannelSession(credentials: setup.credentials)
            let list = try await audiences.ensureList(
                reference: ChannelReference("tw-00000000000000000043"), name: "Lapsed", in: setup.account,
                session: session)
            let members = try ["ada@example.org", "bob@example.org"].map {
                try #require(AudienceMemberHashes(email: $0, phone: nil, for: channel))
            }
            _ = try await audiences.add(members, to: list, in: setup.account, session: session)
            let run = channel == .googleAds ? "offlineUserDataJobs:run" : "audiences/records.create"
            store.write { world in
                world.faults.append(
                    FaultRule(
                        id: 1, channel: Self.sandboxChannel(channel), account: nil, operation: run,
                        kind: .jobFailure, remaining: 1, latencyMs: 0, retryAfterSeconds: 0))
            }
            let doomed = try await audiences.remove([members[0]], from: list, in: setup.account, session: session)
            let job = try #require(doomed.jobs.first)
            let doomedState = try await Self.outcome(of: job, audiences, setup, session)
            #expect(doomedState.failureReason != nil, "a job that applied nothing read \(doomedState)")
            func held() -> Set<String> {
                let lists = store.read { $0.audiences(Self.sandboxChannel(channel), account: setup.owner) }
                return lists.first?.emails ?? []
            }
            #expect(held().count == 2)
            let again = try await audiences.remove([members[0]], from: list, in: setup.account, session: session)
            #expect(
                try await Self.outcome(of: try #require(again.jobs.first), audiences, setup, session) == .succeeded)
            #expect(held() == [members[1].email!])
            // A job the channel never made reads failed, so its change is sent again.
            let unknown = channel == .googleAds ? "customers/1234567890/offlineUserDataJobs/999999" : "no-such-job"
            let unknownState = try await audiences.jobState(unknown, in: setup.account, session: session)
            #expect(unknownState.failureReason != nil, "an unknown job read \(unknownState)")
        }
    }

    @Test(
        "Every channel: ensure twice is one list; add three, remove one, the channel holds two",
        arguments: TradewindCore.AdChannel.allCases)
    func roundTrip(_ channel: AdChannel) async throws {
        let setup = try #require(Self.cases()[channel])
        try await Self.withSandbox(seed: 5) { connectors, store in
            let audiences = connectors.audienceConnector(for: channel)
            let session = ChannelSession(credentials: setup.credentials)
            let reference = ChannelReference("tw-00000000000000000042")
            let list = try await audiences.ensureList(
                reference: reference, name: "Spring buyers", in: setup.account, session: session)
            // Amazon cannot search for a list, so the caller hands back the one it knows.
            let again = try await audiences.ensureList(
                reference: reference, name: "Spring buyers", existing: channel == .amazonAds ? list : nil,
                in: setup.account, session: session)
            #expect(again == list)
            #expect(list.name == "Spring buyers [tw-00000000000000000042]")

            let people = ["ada@example.org", "bob@example.org", "cy@example.org"]
            let members = try people.map {
                try #require(AudienceMemberHashes(email: $0, phone: nil, for: channel))
            }
            let added = try await audiences.add(members, to: list, in: setup.account, session: session)
            let asynchronous = channel == .googleAds || channel == .amazonAds
            #expect(added.received == 3 && added.invalid == 0 && added.jobs.count == (asynchronous ? 1 : 0))
            let removed = try await audiences.remove([members[1]], from: list, in: setup.account, session: session)
            #expect(removed.received == 1 && removed.invalid == 0 && removed.jobs.count == (asynchronous ? 1 : 0))
            for job in added.jobs + removed.jobs {
                #expect(try await Self.outcome(of: job, audiences, setup, session) == .succeeded)
            }

            let held = store.read { $0.audiences(Self.sandboxChannel(channel), account: setup.owner) }
            #expect(held.count == 1)
            #expect(held.first?.id == list.externalID)
            #expect(held.first?.emails == [members[0].email!, members[2].email!])
            #expect(held.first?.phones.isEmpty == true)
        }
    }
}
