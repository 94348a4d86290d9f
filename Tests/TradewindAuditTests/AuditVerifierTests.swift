import Foundation
import Testing

@testable import TradewindAudit

/// A chain built exactly as the database builds it, exported as lines.
struct ExportFixture {
    var lines: [String]
    let keyring: AuditKeyring
    let chain = AuditChainID.tenant(UUID(uuidString: "6f1c1f3e-0000-4000-8000-000000000001")!)
    /// Hash after each record, index 0 = genesis.
    var hashes: [Data]
    var bodies: [String]

    static func entry(_ n: Int) -> AuditEntry {
        AuditEntry(
            time: Date(timeIntervalSince1970: 1_790_000_000 + Double(n)), requestID: "req-\(n)",
            tenantID: UUID(uuidString: "6f1c1f3e-0000-4000-8000-000000000001"), region: "eu",
            principal: AuditPrincipal(id: "key\(n % 3)", kind: "api_key"), method: "tradewind.v1.Contacts/GetContact",
            resources: ["contact:\(String(repeating: "ab", count: 32))"], code: 0, outcome: "ok",
            latencyMicroseconds: 900, peer: "ipv4:127.0.0.1:5000", dataClasses: [.contactProfile], rowsRead: 1)
    }

    /// `count` records with a periodic checkpoint after each of `checkpointsAt`, ending with an export checkpoint.
    init(count: Int, checkpointsAt: Set<Int> = [], keyring: AuditKeyring? = nil) throws {
        self.keyring = try keyring ?? AuditKeyring()
        hashes = [AuditChain.genesis]
        bodies = [""]
        lines = [
            AuditExportHeader(
                chain: chain, firstSeq: 1, prevHash: AuditChain.genesis, from: nil, to: nil, exportedAt: Date()
            ).line
        ]
        for n in 1...count {
            let body = AuditChain.body(seq: Int64(n), fields: Self.entry(n).canonicalFields)
            let hash = AuditChain.hash(previous: hashes[n - 1], body: Data(body.utf8))
            hashes.append(hash)
            bodies.append(body)
            lines.append(AuditChain.line(body: body, hash: hash))
            if checkpointsAt.contains(n) { lines.append(try checkpoint(.periodic, at: n).line) }
        }
        lines.append(try checkpoint(.export, at: count).line)
    }

    func checkpoint(_ kind: AuditCheckpoint.Kind, at n: Int, key: AuditSigningKey? = nil) throws -> AuditCheckpoint {
        try AuditCheckpoint.sign(
            kind: kind, chain: chain, seq: Int64(n), head: hashes[n], time: Date(timeIntervalSince1970: 1_790_000_500),
            key: key ?? keyring.current)
    }

    /// Index in `lines` of record `n`.
    func index(ofRecord n: Int) -> Int {
        lines.firstIndex { $0.hasPrefix("{\"type\":\"record\",\"seq\":\(n),") }!
    }

    func verify(keys: AuditPublicKeySet? = nil, trusted: [AuditCheckpoint] = []) -> Result<
        AuditVerificationReport, AuditFault
    > {
        var verifier = AuditVerifier(keys: keys ?? keyring.publicKeys, trustedCheckpoints: trusted)
        let data = Array((lines.joined(separator: "\n") + "\n").utf8)
        var start = 0
        for (offset, byte) in data.enumerated() where byte == UInt8(ascii: "\n") {
            verifier.consume(data[start..<offset])
            start = offset + 1
        }
        return verifier.finish()
    }

    func fault(keys: AuditPublicKeySet? = nil, trusted: [AuditCheckpoint] = []) -> AuditFault? {
        if case .failure(let fault) = verify(keys: keys, trusted: trusted) { return fault }
        return nil
    }
}

@Suite struct AuditVerifierTests {
    @Test func anUntouchedExportVerifies() throws {
        let fixture = try ExportFixture(count: 20, checkpointsAt: [5, 12])
        let report = try fixture.verify().get()
        #expect(report.records == 20)
        #expect(report.checkpoints == 3)
        #expect(report.firstSeq == 1 && report.lastSeq == 20)
        #expect(report.head == fixture.hashes[20])
    }

    @Test func aChangedRecordIsNamed() throws {
        var fixture = try ExportFixture(count: 10, checkpointsAt: [5])
        let at = fixture.index(ofRecord: 7)
        fixture.lines[at] = fixture.lines[at].replacingOccurrences(of: "\"rows_read\":1", with: "\"rows_read\":0")
        let fault = try #require(fixture.fault())
        #expect(fault.kind == .changed)
        #expect(fault.seq == 7)
        #expect(fault.line == at + 1)
    }

    @Test func aChangedHashIsNamed() throws {
        var fixture = try ExportFixture(count: 6)
        let at = fixture.index(ofRecord: 3)
        let bogus = Data(repeating: 7, count: 32)
        fixture.lines[at] = AuditChain.line(body: fixture.bodies[3], hash: bogus)
        #expect(fixture.fault()?.kind == .changed)
        #expect(fixture.fault()?.seq == 3)
    }

    @Test func aDeletedRecordIsNamed() throws {
        var fixture = try ExportFixture(count: 10)
        fixture.lines.remove(at: fixture.index(ofRecord: 4))
        let fault = try #require(fixture.fault())
        #expect(fault.kind == .deleted)
        #expect(fault.seq == 4)
    }

    @Test func reorderedRecordsAreNamed() throws {
        var fixture = try ExportFixture(count: 10)
        fixture.lines.swapAt(fixture.index(ofRecord: 6), fixture.index(ofRecord: 7))
        let fault = try #require(fixture.fault())
        #expect(fault.kind == .reordered)
        #expect(fault.seq == 7)
    }

    @Test func aRecordSlippedIntoTheChainIsNamedWhetherOrNotItsHashIsRight() throws {
        // The forger gives the fake record the sequence number of the one it displaces.
        for hashIsRight in [true, false] {
            var fixture = try ExportFixture(count: 8)
            var fake = ExportFixture.entry(4)
            fake.requestID = "forged"
            let body = AuditChain.body(seq: 4, fields: fake.canonicalFields)
            let hash =
                hashIsRight ? AuditChain.hash(previous: fixture.hashes[3], body: Data(body.utf8)) : Data(count: 32)
            let at = fixture.index(ofRecord: 4)
            fixture.lines.insert(AuditChain.line(body: body, hash: hash), at: at)
            let fault = try #require(fixture.fault())
            #expect(fault.kind == .inserted, "hash right: \(hashIsRight)")
            #expect(fault.line == at + 1)
        }
    }

    @Test func aCutFileIsTruncated() throws {
        var fixture = try ExportFixture(count: 10, checkpointsAt: [9])
        fixture.lines.removeLast(2)  // the export checkpoint and record 10
        let fault = try #require(fixture.fault())
        #expect(fault.kind == .truncated)
    }

    @Test func aLogThatLostItsTailIsTruncated() throws {
        // Records 9 and 10 deleted from the database after a periodic checkpoint signed them; the
        // export checkpoint then signs the shortened chain, but the periodic one gives it away.
        var fixture = try ExportFixture(count: 10, checkpointsAt: [10])
        let periodic = fixture.lines[fixture.index(ofRecord: 10) + 1]
        fixture.lines = Array(fixture.lines[..<fixture.index(ofRecord: 9)])
        fixture.lines.append(periodic)
        fixture.lines.append(try fixture.checkpoint(.export, at: 8).line)
        let fault = try #require(fixture.fault())
        #expect(fault.kind == .truncated)
        #expect(fault.seq == 9)
    }

    @Test func aCheckpointFromAForeignKeyIsRefused() throws {
        var fixture = try ExportFixture(count: 5, checkpointsAt: [3])
        let foreign = try AuditSigningKey()
        let at = fixture.index(ofRecord: 3) + 1
        fixture.lines[at] = try fixture.checkpoint(.periodic, at: 3, key: foreign).line
        let fault = try #require(fixture.fault())
        #expect(fault.kind == .unknownKey)
        #expect(fault.line == at + 1)
        #expect(fault.seq == 3, "the fault names the record the checkpoint signs")

        // The same forgery under the genuine key id fails the signature check instead.
        var relabelled = try fixture.checkpoint(.periodic, at: 3, key: foreign)
        relabelled.keyID = fixture.keyring.currentKeyID
        fixture.lines[at] = relabelled.line
        let bad = try #require(fixture.fault())
        #expect(bad.kind == .badSignature && bad.line == at + 1 && bad.seq == 3, "\(bad)")
    }

    @Test func bothSignaturesAreRequired() throws {
        let fixture = try ExportFixture(count: 2)
        let other = try AuditSigningKey()
        var checkpoint = try fixture.checkpoint(.export, at: 2)
        let message = Data(checkpoint.signedMessage.utf8)
        let key = fixture.keyring.current.publicKey
        #expect(checkpoint.isSigned(by: key))
        checkpoint.mlDSA65Signature = try other.sign(message).mlDSA65
        #expect(!checkpoint.isSigned(by: key))
        checkpoint = try fixture.checkpoint(.export, at: 2)
        checkpoint.ed25519Signature = try other.sign(message).ed25519
        #expect(!checkpoint.isSigned(by: key))
    }

    @Test func aRewrittenChainForksFromItsEarlierCheckpoint() throws {
        // The forger changes record 3 and recomputes every hash after it, so each record is
        // self-consistent; the periodic checkpoint signed before the rewrite gives it away.
        var fixture = try ExportFixture(count: 8, checkpointsAt: [5])
        var hash = fixture.hashes[2]
        for n in 3...8 {
            var entry = ExportFixture.entry(n)
            if n == 3 { entry.rowsRead = 0 }
            let body = AuditChain.body(seq: Int64(n), fields: entry.canonicalFields)
            hash = AuditChain.hash(previous: hash, body: Data(body.utf8))
            fixture.lines[fixture.index(ofRecord: n)] = AuditChain.line(body: body, hash: hash)
        }
        let fault = try #require(fixture.fault())
        #expect(fault.kind == .fork)
        #expect(fault.seq == 5)

        // Without the periodic checkpoint, a checkpoint kept from an earlier export catches it too.
        fixture.lines.remove(at: fixture.index(ofRecord: 5) + 1)
        let kept = try ExportFixture(count: 8).checkpoint(.current, at: 4)
        #expect(fixture.fault(trusted: [kept])?.kind == .fork)
    }

    @Test func aRotatedKeyKeepsOldCheckpointsVerifiable() throws {
        var keyring = try AuditKeyring()
        let oldKey = keyring.current
        try keyring.rotate()
        var fixture = try ExportFixture(count: 6, checkpointsAt: [2], keyring: keyring)
        fixture.lines[fixture.index(ofRecord: 2) + 1] = try fixture.checkpoint(.periodic, at: 2, key: oldKey).line
        let report = try fixture.verify().get()
        #expect(report.keyIDs == [oldKey.keyID, keyring.currentKeyID])
        // Without the retired key, the old checkpoint is from an unknown key.
        let currentOnly = AuditPublicKeySet(keys: [keyring.current.publicKey])
        #expect(fixture.fault(keys: currentOnly)?.kind == .unknownKey)
    }

    @Test func anExportOfAStretchStartsFromItsHeader() throws {
        let full = try ExportFixture(count: 10)
        var lines = [
            AuditExportHeader(
                chain: full.chain, firstSeq: 6, prevHash: full.hashes[5], from: nil, to: nil, exportedAt: Date()
            ).line
        ]
        lines += (6...10).map { full.lines[full.index(ofRecord: $0)] }
        lines.append(full.lines.last!)
        var stretch = full
        stretch.lines = lines
        let report = try stretch.verify().get()
        #expect(report.firstSeq == 6 && report.records == 5)
    }
}

@Suite struct AuditFormatTests {
    @Test func canonicalFieldsEscapeEverythingButPrintableASCII() throws {
        var entry = ExportFixture.entry(1)
        entry.requestID = "a\"b\\c\u{1}é😀"
        entry.principal = nil
        let body = AuditChain.body(seq: 9, fields: entry.canonicalFields)
        #expect(body.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        #expect(body.contains(#""request_id":"a\"b\\c\u0001\u00e9\ud83d\ude00""#))
        #expect(body.contains(#""principal":null"#))
        let record = try AuditRecord(body: body, hash: Data(count: 32))
        #expect(record.seq == 9)
        #expect(record.entry == entry)
    }

    @Test func keyOrderIsFixed() {
        let fields = ExportFixture.entry(2).canonicalFields
        let keys = [
            "time", "request_id", "tenant", "region", "principal", "method", "event", "resources", "code", "outcome",
            "latency_us", "peer", "data_classes", "rows_read", "rows_written", "messages_in", "messages_out",
        ]
        let positions = keys.map { key in fields.range(of: "\"\(key)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(!fields.contains(" "))
    }

    @Test func timesHaveSixFractionalDigitsInUTC() {
        #expect(AuditTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(AuditTime.format(Date(timeIntervalSince1970: 1_790_000_000.25)) == "2026-09-21T14:13:20.250000Z")
        let date = AuditTime.parse("2026-09-21T14:13:20.250000Z")
        #expect(date == Date(timeIntervalSince1970: 1_790_000_000.25))
        // Every microsecond survives a round trip (checkpoint times are signed as text).
        for micros in [1, 999_999, 123_456, 500_001] {
            let text = "2026-11-25T02:39:59.\(String(format: "%06d", micros))Z"
            #expect(AuditTime.parse(text).map(AuditTime.format) == text)
        }
        #expect(AuditTime.parse("2026-11-01T00:00:00Z") == AuditTime.parse("2026-11-01T01:00:00+01:00"))
        #expect(AuditTime.parse("2026-11-01") == nil)
        #expect(AuditTime.parse("2026-13-01T00:00:00Z") == nil)
    }

    @Test func keyringsSurviveTheirFileAndIdsBindTheKeys() throws {
        var keyring = try AuditKeyring()
        try keyring.rotate()
        let reloaded = try AuditKeyring(fileContents: try keyring.fileContents())
        #expect(reloaded.currentKeyID == keyring.currentKeyID)
        #expect(reloaded.publicKeys == keyring.publicKeys)

        let published = try keyring.publicKeys.encoded()
        #expect(try AuditPublicKeySet.decode(published) == keyring.publicKeys)
        let single = try JSONEncoder().encode(keyring.current.publicKey)
        #expect(try AuditPublicKeySet.decode(single).keys == [keyring.current.publicKey])

        // An id that does not match its keys is refused.
        var text = String(decoding: published, as: UTF8.self)
        text = text.replacingOccurrences(of: keyring.currentKeyID, with: "ak_0000000000000000")
        #expect(throws: (any Error).self) { try AuditPublicKeySet.decode(Data(text.utf8)) }
    }

    @Test func pseudonymsAreStablePerTenantAndUnlinkableAcrossTenants() {
        let pseudonymizer = AuditPseudonymizer(secret: .init(data: Data(repeating: 1, count: 32)))
        let a = UUID(), b = UUID()
        let contact = UUID().uuidString
        #expect(pseudonymizer.pseudonym(contact, tenantID: a) == pseudonymizer.pseudonym(contact, tenantID: a))
        #expect(pseudonymizer.pseudonym(contact, tenantID: a) != pseudonymizer.pseudonym(contact, tenantID: b))
        #expect(pseudonymizer.pseudonym(contact, tenantID: a).count == 64)
    }
}
