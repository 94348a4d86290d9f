import Foundation
import Testing

@testable import TradewindAudit

/// The committed exports in Tests/Fixtures/audit (see its README), read as the command reads them.
enum CommittedExport {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/audit")

    /// Written before records had versions: five version 1 records.
    static let v1 = "v1-export.jsonl"
    /// The same chain continued by version 2 records 6-10.
    static let mixed = "v1-then-v2-export.jsonl"

    static func keys() throws -> AuditPublicKeySet {
        try AuditPublicKeySet.decode(Data(contentsOf: directory.appendingPathComponent("public-keys.json")))
    }

    /// The file's lines, without their newlines, byte for byte.
    static func lines(_ name: String) throws -> [[UInt8]] {
        let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
        #expect(bytes.last == UInt8(ascii: "\n"))
        return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map(Array.init)
    }
}

/// Runs the verifier over `lines` as `tradewind audit verify` does.
func verifyLines(_ lines: [[UInt8]], keys: AuditPublicKeySet) -> Result<AuditVerificationReport, AuditFault> {
    var verifier = AuditVerifier(keys: keys)
    for line in lines { verifier.consume(line[...]) }
    return verifier.finish()
}

func verifyLines(_ lines: [String], keys: AuditPublicKeySet) -> Result<AuditVerificationReport, AuditFault> {
    verifyLines(lines.map { Array($0.utf8) }, keys: keys)
}

extension Result where Failure == AuditFault {
    var fault: AuditFault? {
        if case .failure(let fault) = self { return fault }
        return nil
    }
}

/// A chain of records whose fields are given exactly as written (any version, or none we know),
/// exported with a periodic checkpoint after `checkpointsAt` and an export checkpoint at the end.
struct FieldsExport {
    let keyring: AuditKeyring
    let chain = AuditChainID.tenant(UUID(uuidString: "6f1c1f3e-0000-4000-8000-000000000002")!)
    var lines: [String] = []
    /// Hash after each record, index 0 = genesis.
    var hashes = [AuditChain.genesis]

    init(_ fields: [String], checkpointsAt: Set<Int> = []) throws {
        keyring = try AuditKeyring()
        lines.append(
            AuditExportHeader(
                chain: chain, firstSeq: 1, prevHash: AuditChain.genesis, from: nil, to: nil, exportedAt: Date()
            ).line)
        for (index, fields) in fields.enumerated() {
            let n = index + 1
            let body = AuditChain.body(seq: Int64(n), fields: fields)
            hashes.append(AuditChain.hash(previous: hashes[index], body: Data(body.utf8)))
            lines.append(AuditChain.line(body: body, hash: hashes[n]))
            if checkpointsAt.contains(n) { lines.append(try checkpoint(.periodic, at: n)) }
        }
        lines.append(try checkpoint(.export, at: fields.count))
    }

    func checkpoint(_ kind: AuditCheckpoint.Kind, at n: Int) throws -> String {
        try AuditCheckpoint.sign(
            kind: kind, chain: chain, seq: Int64(n), head: hashes[n], time: Date(timeIntervalSince1970: 1_796_410_000),
            key: keyring.current
        ).line
    }

    func index(ofRecord n: Int) -> Int { lines.firstIndex { $0.hasPrefix("{\"type\":\"record\",\"seq\":\(n),") }! }

    func verify() -> Result<AuditVerificationReport, AuditFault> { verifyLines(lines, keys: keyring.publicKeys) }
}

/// Issue 12, point 6: the canonical record has a version; version 2 adds the app, the outbound
/// destination and the rule; old records and old exports still verify byte for byte.
@Suite struct AuditRecordVersionTests {
    static let tenant = UUID(uuidString: "0b7e2c1a-5d4f-4e6a-9c3b-2f1e8d7a6c50")!

    /// An entry with every version 2 key set.
    static let full = AuditEntry(
        time: Date(timeIntervalSince1970: 1_796_403_660.5), requestID: "7e6d5c4b-3a29-4817-b6a5-948372615049",
        tenantID: tenant, region: "eu",
        principal: AuditPrincipal(id: "Pz5Kd2Wq8Jm4Xc7T", kind: "api_key", certificateFingerprint: "ab12"),
        method: "tradewind/rules.run", resources: ["campaign:google_ads:987654321"], code: 0, outcome: "ok",
        latencyMicroseconds: 310_044, peer: "local", dataClasses: [.marketingEvents], rowsRead: 2, rowsWritten: 1,
        messagesIn: 3, messagesOut: 4, app: AuditApp(id: "app_northwind_sync", installation: "inst_5Qa1Zr9Lk3"),
        destination: AuditDestination(
            kind: "google_ads", id: "123-456-7890", operation: "campaigns.mutate",
            outcome: AuditDestinationOutcome(httpStatus: 400, channelCode: "QUOTA_ERROR.RESOURCE_EXHAUSTED")),
        ruleID: "rule_pause_low_roas")

    /// `full`'s fields in version 2, written out by hand.
    static let fullV2 =
        #""v":2,"time":"2026-12-04T17:01:00.500000Z","request_id":"7e6d5c4b-3a29-4817-b6a5-948372615049","#
        + #""tenant":"0b7e2c1a-5d4f-4e6a-9c3b-2f1e8d7a6c50","region":"eu","#
        + #""principal":{"id":"Pz5Kd2Wq8Jm4Xc7T","kind":"api_key","cert":"ab12"},"method":"tradewind/rules.run","#
        + #""event":"call","resources":["campaign:google_ads:987654321"],"code":0,"outcome":"ok","latency_us":310044,"#
        + #""peer":"local","data_classes":["marketing_events"],"rows_read":2,"rows_written":1,"messages_in":3,"#
        + #""messages_out":4,"app":{"id":"app_northwind_sync","installation":"inst_5Qa1Zr9Lk3"},"#
        + #""destination":{"kind":"google_ads","id":"123-456-7890","operation":"campaigns.mutate","#
        + #""outcome":{"http_status":400,"channel_code":"QUOTA_ERROR.RESOURCE_EXHAUSTED"}},"rule":"rule_pause_low_roas"}"#

    // MARK: Version 1: what was written before stays verifiable, byte for byte

    /// Record 3 of the committed version 1 export, as the code before versions wrote it (its
    /// principal has an app id), with the hash of record 2 before it and its own.
    static let pinnedV1Line =
        #"{"type":"record","seq":3,"time":"2026-12-04T16:00:02.000001Z","#
        + #""request_id":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","tenant":"0b7e2c1a-5d4f-4e6a-9c3b-2f1e8d7a6c50","#
        + #""region":"eu","principal":{"id":"Hq3Zr8Lw1Nv6Bs2D","kind":"api_key","app_id":"app_northwind_sync","#
        + #""cert":null},"method":"tradewind.v1.Audit/ExportAuditLog","event":"stream_open","resources":[],"code":0,"#
        + #""outcome":"ok","latency_us":95,"peer":"ipv4:10.0.4.18:40022","data_classes":["audit_log"],"rows_read":0,"#
        + #""rows_written":0,"messages_in":null,"messages_out":null,"#
        + #""hash":"df6a28cffeb5b7f54087ce95daf055ae9908c9455d7b1a459ca024fcdb532d69"}"#
    static let pinnedV1Previous = "c738905d1df5ad870d87b29aed40e11b5ab83494e73b344b6994f4ddc45eb01c"
    static let pinnedV1Hash = "df6a28cffeb5b7f54087ce95daf055ae9908c9455d7b1a459ca024fcdb532d69"

    @Test func aPinnedVersion1LineStillVerifiesByteForByte() throws {
        let line = Self.pinnedV1Line
        #expect(try CommittedExport.lines(CommittedExport.v1)[3] == Array(line.utf8), "the pin is the fixture's line")
        let body = String(line.dropLast(AuditChain.hashSuffixLength)) + "}"
        let previous = try #require(Data(hexString: Self.pinnedV1Previous))
        #expect(AuditChain.hash(previous: previous, body: Data(body.utf8)).hexString == Self.pinnedV1Hash)

        // The verifier takes it as it is: a stretch export from record 3 holding only this line.
        let keyring = try AuditKeyring()
        let chain = AuditChainID.tenant(Self.tenant)
        let lines = [
            AuditExportHeader(chain: chain, firstSeq: 3, prevHash: previous, from: nil, to: nil, exportedAt: Date())
                .line,
            line,
            try AuditCheckpoint.sign(
                kind: .export, chain: chain, seq: 3, head: Data(hexString: Self.pinnedV1Hash)!, time: Date(),
                key: keyring.current
            ).line,
        ]
        let report = try verifyLines(lines, keys: keyring.publicKeys).get()
        #expect(report.records == 1 && report.head.hexString == Self.pinnedV1Hash)
        #expect(report.recordsByVersion == [.v1: 1])

        // It reads as version 1, and version 1 still writes exactly these bytes; the app its
        // principal names is the entry's app.
        let record = try AuditRecord(body: body, hash: Data(hexString: Self.pinnedV1Hash)!)
        #expect(record.version == .v1 && record.seq == 3)
        #expect(record.entry.principal == AuditPrincipal(id: "Hq3Zr8Lw1Nv6Bs2D", kind: "api_key"))
        #expect(record.entry.app == AuditApp(id: "app_northwind_sync", installation: nil))
        #expect(record.entry.destination == nil && record.entry.ruleID == nil)
        #expect(AuditChain.body(seq: 3, fields: record.entry.canonicalFields(version: .v1)) == body)
    }

    @Test func theCommittedVersion1ExportStillVerifies() throws {
        let report = try verifyLines(CommittedExport.lines(CommittedExport.v1), keys: CommittedExport.keys()).get()
        #expect(report.chain == Self.tenant.uuidString.lowercased())
        #expect(report.firstSeq == 1 && report.lastSeq == 5 && report.records == 5 && report.checkpoints == 2)
        #expect(report.recordsByVersion == [.v1: 5])
        #expect(report.keyIDs == ["ak_c20195aed068031a"])
        #expect(report.head.hexString == "31836c7ca8237e72abf0bbb1020045f32464e82af85b68cda5d65ec34176a78b")
    }

    @Test func everyRecordOfBothCommittedExportsReadsBackToItsOwnBytes() throws {
        for name in [CommittedExport.v1, CommittedExport.mixed] {
            for line in try CommittedExport.lines(name) where line.starts(with: AuditChain.recordPrefix) {
                let text = String(decoding: line, as: UTF8.self)
                let body = String(text.dropLast(AuditChain.hashSuffixLength)) + "}"
                let record = try AuditRecord(body: body, hash: Data(count: 32))
                let fields = record.entry.canonicalFields(version: record.version)
                #expect(AuditChain.body(seq: record.seq, fields: fields) == body, "\(name) record \(record.seq)")
            }
        }
    }

    // MARK: Version 2: the new keys, exactly

    @Test func theServerWritesVersion2() {
        #expect(AuditRecordVersion.current == .v2)
        #expect(Self.full.canonicalFields == Self.full.canonicalFields(version: .v2))
        #expect(ExportFixture.entry(1).canonicalFields.hasPrefix(#""v":2,"time":"#))
    }

    @Test func version2BytesArePinned() throws {
        #expect(Self.full.canonicalFields == Self.fullV2)

        // Every new key null, and the principal and tenant too.
        var bare = Self.full
        bare.app = nil
        bare.destination = nil
        bare.ruleID = nil
        bare.principal = nil
        bare.tenantID = nil
        bare.region = nil
        bare.messagesIn = nil
        bare.messagesOut = nil
        #expect(
            bare.canonicalFields
                == #""v":2,"time":"2026-12-04T17:01:00.500000Z","request_id":"7e6d5c4b-3a29-4817-b6a5-948372615049","#
                + #""tenant":null,"region":null,"principal":null,"method":"tradewind/rules.run","event":"call","#
                + #""resources":["campaign:google_ads:987654321"],"code":0,"outcome":"ok","latency_us":310044,"#
                + #""peer":"local","data_classes":["marketing_events"],"rows_read":2,"rows_written":1,"#
                + #""messages_in":null,"messages_out":null,"app":null,"destination":null,"rule":null}"#)

        // The nullable members of the new objects, one at a time.
        func replacing(_ old: String, with new: String, in text: String = Self.fullV2) -> String {
            precondition(text.components(separatedBy: old).count == 2, old)
            return text.replacingOccurrences(of: old, with: new)
        }
        var entry = Self.full
        entry.app?.installation = nil
        #expect(
            entry.canonicalFields
                == replacing(#""installation":"inst_5Qa1Zr9Lk3""#, with: #""installation":null"#))
        entry = Self.full
        entry.destination?.outcome = nil
        #expect(
            entry.canonicalFields
                == replacing(
                    #""outcome":{"http_status":400,"channel_code":"QUOTA_ERROR.RESOURCE_EXHAUSTED"}"#,
                    with: #""outcome":null"#))
        entry.destination?.outcome = AuditDestinationOutcome(httpStatus: 204)
        #expect(
            entry.canonicalFields
                == replacing(
                    #""outcome":{"http_status":400,"channel_code":"QUOTA_ERROR.RESOURCE_EXHAUSTED"}"#,
                    with: #""outcome":{"http_status":204,"channel_code":null}"#))
        entry.destination?.outcome = AuditDestinationOutcome(channelCode: "E1")
        #expect(
            entry.canonicalFields
                == replacing(
                    #""outcome":{"http_status":400,"channel_code":"QUOTA_ERROR.RESOURCE_EXHAUSTED"}"#,
                    with: #""outcome":{"http_status":null,"channel_code":"E1"}"#))

        // Each version reads back to the same entry.
        for fields in [Self.fullV2, bare.canonicalFields, entry.canonicalFields] {
            let record = try AuditRecord(body: AuditChain.body(seq: 7, fields: fields), hash: Data(count: 32))
            #expect(record.version == .v2)
            #expect(record.entry.canonicalFields == fields)
        }
        #expect(try AuditRecord(body: AuditChain.body(seq: 7, fields: Self.fullV2), hash: Data()).entry == Self.full)
        // Codable (not canonical) keeps every key too.
        #expect(try JSONDecoder().decode(AuditEntry.self, from: JSONEncoder().encode(Self.full)) == Self.full)
    }

    @Test func theAppMovesFromThePrincipalToItsOwnObject() throws {
        // One place for the app: version 2 writes it as an object of its own, version 1 inside the
        // principal, as every writer before version 2 did.
        let base = ExportFixture.entry(1)
        let entry = AuditEntry(
            time: base.time, requestID: base.requestID, tenantID: base.tenantID, region: base.region,
            principal: AuditPrincipal(id: "k1", kind: "api_key"), method: base.method, code: 0, outcome: "ok",
            latencyMicroseconds: 1, peer: "local", dataClasses: [], app: AuditApp(id: "app_1"))
        #expect(entry.canonicalFields.contains(#""principal":{"id":"k1","kind":"api_key","cert":null}"#))
        #expect(entry.canonicalFields.contains(#""app":{"id":"app_1","installation":null}"#))
        #expect(
            entry.canonicalFields(version: .v1).contains(#""principal":{"id":"k1","kind":"api_key","app_id":"app_1","#))
        #expect(!entry.canonicalFields(version: .v1).contains(#""app":"#))

        // Either version reads back to the same entry, the app included.
        for version in AuditRecordVersion.allCases {
            let body = AuditChain.body(seq: 1, fields: entry.canonicalFields(version: version))
            #expect(try AuditRecord(body: body, hash: Data()).entry == entry, "version \(version)")
        }

        // An installation is kept in version 2.
        var installed = entry
        installed.app = AuditApp(id: "app_2", installation: "i_9")
        let record = try AuditRecord(body: AuditChain.body(seq: 1, fields: installed.canonicalFields), hash: Data())
        #expect(record.entry == installed && record.entry.app?.installation == "i_9")
        installed.app = nil
        #expect(!installed.canonicalFields.contains("app_2"))
    }

    @Test func newStringFieldsAreEscaped() throws {
        var entry = Self.full
        entry.app = AuditApp(id: "a\"p\\p", installation: "inst\u{7f}\u{0}")
        entry.destination = AuditDestination(
            kind: "g\u{e9}", id: "1\n2\r3\t4", operation: "\u{1F600}",
            outcome: AuditDestinationOutcome(httpStatus: 599, channelCode: "\u{2028}x\u{1f}"))
        entry.ruleID = "r\"ule\u{00a0}"
        let fields = entry.canonicalFields
        #expect(fields.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        #expect(fields.contains(#""app":{"id":"a\"p\\p","installation":"inst\u007f\u0000"}"#))
        #expect(
            fields.contains(
                #""destination":{"kind":"g\u00e9","id":"1\n2\r3\t4","operation":"\ud83d\ude00","#
                    + #""outcome":{"http_status":599,"channel_code":"\u2028x\u001f"}}"#))
        #expect(fields.hasSuffix(#","rule":"r\"ule\u00a0"}"#))
        let record = try AuditRecord(body: AuditChain.body(seq: 2, fields: fields), hash: Data(count: 32))
        #expect(record.entry == entry)
    }

    // MARK: Verifying both versions

    @Test func aChainOfVersion1ThenVersion2RecordsVerifies() throws {
        let v1 = (1...4).map { ExportFixture.entry($0).canonicalFields(version: .v1) }
        let v2 = (5...8).map { n in
            var entry = ExportFixture.entry(n)
            entry.ruleID = "rule_\(n)"
            return entry.canonicalFields
        }
        let export = try FieldsExport(v1 + v2, checkpointsAt: [4, 6])
        let report = try export.verify().get()
        #expect(report.records == 8 && report.checkpoints == 3 && report.head == export.hashes[8])
        #expect(report.recordsByVersion == [.v1: 4, .v2: 4])

        // A server rolled back to the code before versions writes version 1 after version 2 again.
        let rolledBack = try FieldsExport(v2 + v1)
        #expect(try rolledBack.verify().get().recordsByVersion == [.v1: 4, .v2: 4])
    }

    @Test func theCommittedMixedExportVerifiesAndContinuesTheOldOne() throws {
        let old = try CommittedExport.lines(CommittedExport.v1)
        let mixed = try CommittedExport.lines(CommittedExport.mixed)
        // Records 1-5 and the checkpoint at 3 are the old file's lines, byte for byte.
        #expect(Array(mixed[1..<7]) == Array(old[1..<7]))
        let report = try verifyLines(mixed, keys: CommittedExport.keys()).get()
        #expect(report.firstSeq == 1 && report.lastSeq == 10 && report.checkpoints == 3)
        #expect(report.recordsByVersion == [.v1: 5, .v2: 5])
        #expect(report.head.hexString == Self.mixedHead)
    }

    static let mixedHead = "747aa4f6e3548e445820fabd46048feeaf5076c80a52326565c6fbf96e5ae8fb"

    @Test func changingAnyByteOfAVersion2RecordIsCaughtAtThatLine() throws {
        let intact = try CommittedExport.lines(CommittedExport.mixed)
        let keys = try CommittedExport.keys()
        let target = try #require(intact.firstIndex { $0.starts(with: Array(#"{"type":"record","seq":7,"#.utf8)) })
        let line = intact[target]
        let text = String(decoding: line, as: UTF8.self)
        // Record 7 sets every new key.
        for key in [
            #""app":{"id":"#, #""installation":"inst_"#, #""destination":{"kind":"#, #""operation":"#,
            #""outcome":{"http_status":400"#, #""channel_code":"Q"#, #""rule":"rule_"#,
        ] {
            #expect(text.contains(key), "\(key)")
        }
        let fieldsStart = AuditChain.recordPrefix.count + 2  // past `7,`
        let bodyEnd = line.count - AuditChain.hashSuffixLength
        #expect(line[fieldsStart..<(fieldsStart + 6)].elementsEqual(#""v":2,"#.utf8))
        var checked = 0
        for offset in fieldsStart..<bodyEnd {
            var edited = intact
            edited[target][offset] = line[offset] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
            let fault = verifyLines(edited, keys: keys).fault
            #expect(
                fault?.kind == .changed && fault?.line == target + 1 && fault?.seq == 7,
                "byte \(offset) (\(UnicodeScalar(line[offset]))): \(String(describing: fault))")
            checked += 1
        }
        #expect(checked > 400)

        // Stripped to what looks like a version 1 record: changed too.
        let newKeys = try #require(text.range(of: #","app":"#))
        let hashStart = text.index(text.endIndex, offsetBy: -AuditChain.hashSuffixLength)
        var stripped = text
        stripped.removeSubrange(newKeys.lowerBound..<hashStart)
        stripped = stripped.replacingOccurrences(of: #""v":2,"#, with: "")
        var edited = intact
        edited[target] = Array(stripped.utf8)
        let fault = verifyLines(edited, keys: keys).fault
        #expect(fault?.kind == .changed && fault?.line == target + 1 && fault?.seq == 7, "\(String(describing: fault))")
    }

    @Test func anUnknownVersionIsANamedFault() throws {
        let v2 = ExportFixture.entry(3).canonicalFields
        let rest = String(v2.dropFirst(#""v":2,"#.count))
        for claim in [#""v":3,"#, #""v":1,"#, #""v":02,"#, #""v":"2","#, #""v":2.0,"#, #""v":-2,"#, #""v":10000,"#, ""]
        {
            // Correctly hashed: a newer server wrote it, or something that is no record we know.
            let export = try FieldsExport(
                [
                    ExportFixture.entry(1).canonicalFields(version: .v1), ExportFixture.entry(2).canonicalFields,
                    (claim.isEmpty ? #""w":2,"# : claim) + rest, ExportFixture.entry(4).canonicalFields,
                ],
                checkpointsAt: [2])
            let fault = try #require(export.verify().fault, "\(claim)")
            #expect(fault.kind == .unknownVersion, "\(claim): \(fault)")
            #expect(fault.line == export.index(ofRecord: 3) + 1 && fault.seq == 3, "\(claim): \(fault)")
            #expect(fault.description.contains(": unknown_version: "))
            if claim == #""v":3,"# { #expect(fault.detail.contains(#""v":3"#)) }
        }
        let v3 = AuditChain.body(seq: 1, fields: #""v":3,"# + rest)
        #expect(throws: DecodingError.self) { try AuditRecord(body: v3, hash: Data()) }

        // A version 2 record edited to claim version 3, its hash left as it was, is changed.
        var export = try FieldsExport([v2, v2, v2])
        let at = export.index(ofRecord: 2)
        export.lines[at] = export.lines[at].replacingOccurrences(of: #""v":2,"#, with: #""v":3,"#)
        let fault = try #require(export.verify().fault)
        #expect(fault.kind == .changed && fault.seq == 2)
    }
}
