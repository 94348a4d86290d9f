import Crypto
import Foundation

/// The first thing wrong with an export, and where.
public struct AuditFault: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A record's bytes no longer hash to the hash it carries.
        case changed
        /// Records are missing from the middle of the chain.
        case deleted
        /// Records are all there but out of order.
        case reordered
        /// A record that is not part of the chain was added.
        case inserted
        /// Records at the end are missing (the file was cut, or the log lost its tail).
        case truncated
        /// A checkpoint names a key the verifier was not given.
        case unknownKey = "unknown_key"
        /// A checkpoint's signatures do not verify with the key it names.
        case badSignature = "bad_signature"
        /// The records do not lead to the head an earlier checkpoint signed: the chain was rewritten.
        case fork
        /// A line that is not part of the export format.
        case malformed
        /// A record, intact, in a version of the canonical form this verifier does not know (a
        /// newer server wrote it): its keys cannot be vouched for.
        case unknownVersion = "unknown_version"
    }

    public var kind: Kind
    /// 1-based line number in the export.
    public var line: Int
    /// The record's sequence number, when the fault is about one record.
    public var seq: Int64?
    public var detail: String

    public var description: String {
        let record = seq.map { ", record \($0)" } ?? ""
        return "line \(line)\(record): \(kind.rawValue): \(detail)"
    }
}

/// What a successful verification covered.
public struct AuditVerificationReport: Sendable, Hashable {
    public var chain: String?
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    public var records = 0
    public var checkpoints = 0
    public var keyIDs: Set<String> = []
    public var head = AuditChain.genesis
    /// How many records of each version of the canonical form the export holds.
    public var recordsByVersion: [AuditRecordVersion: Int] = [:]
}

/// Checks a JSON Lines export offline, trusting nothing but public keys (and, optionally,
/// checkpoints kept from earlier exports).
///
/// It reads the file once, line by line, hashing each record's bytes as they are; memory stays
/// flat whatever the size of the export. Feed it every line with `consume`, then call `finish`.
public struct AuditVerifier {
    private let keys: AuditPublicKeySet
    /// Heads that earlier, trusted checkpoints signed, by sequence number.
    private var trusted: [Int64: Data]

    private var lineNumber = 0
    private var report = AuditVerificationReport()
    private var expectedSeq: Int64 = 1
    private var running = AuditChain.genesis
    /// The hash before the last accepted record, to recognise a record slipped in before another.
    private var beforeLast = AuditChain.genesis
    private var lastRecordLine = 0
    private var lastVerifiedCheckpointSeq: Int64 = 0
    /// Checkpoints that arrived before the record they sign.
    private var pending: [(seq: Int64, head: Data, line: Int)] = []
    private var endedWithExportCheckpoint = false
    private var sawAnything = false
    private var fault: AuditFault?
    /// A record whose hash did not match; the next line tells whether it was changed or inserted.
    private var suspect: (line: Int, seq: Int64)?
    /// Set when a sequence number was skipped; the rest of the file tells deleted from reordered.
    private var gap: (line: Int, expected: Int64, found: Int64)?
    private var seenAfterGap: Set<Int64> = []

    public init(keys: AuditPublicKeySet, trustedCheckpoints: [AuditCheckpoint] = []) {
        self.keys = keys
        self.trusted = Dictionary(trustedCheckpoints.map { ($0.seq, $0.head) }, uniquingKeysWith: { first, _ in first })
    }

    public mutating func consume(_ line: ArraySlice<UInt8>) {
        lineNumber += 1
        guard !line.isEmpty else { return }
        let isRecord = line.starts(with: AuditChain.recordPrefix)
        if gap != nil {
            if isRecord, let parsed = Self.parseRecord(line) { seenAfterGap.insert(parsed.seq) }
            return
        }
        guard fault == nil else { return }
        sawAnything = true
        endedWithExportCheckpoint = false
        if isRecord {
            record(line)
        } else if line.starts(with: Self.checkpointPrefix) {
            checkpoint(line)
        } else if line.starts(with: Self.headerPrefix) {
            header(line)
        } else {
            fail(.malformed, "not a record, checkpoint or export header")
        }
    }

    /// The verdict once every line has been consumed.
    public mutating func finish() -> Result<AuditVerificationReport, AuditFault> {
        if let gap {
            if seenAfterGap.contains(gap.expected) {
                fault = AuditFault(
                    kind: .reordered, line: gap.line, seq: gap.found,
                    detail: "record \(gap.found) comes where \(gap.expected) should, and \(gap.expected) comes later")
            } else {
                let missing = gap.found - 1 == gap.expected ? "\(gap.expected)" : "\(gap.expected)-\(gap.found - 1)"
                fault = AuditFault(
                    kind: .deleted, line: gap.line, seq: gap.expected,
                    detail: "record \(missing) is missing before record \(gap.found)")
            }
        }
        resolveSuspect(chainsAround: false)
        if let fault { return .failure(fault) }
        if let first = pending.first {
            return .failure(
                AuditFault(
                    kind: .truncated, line: first.line, seq: expectedSeq,
                    detail:
                        "a checkpoint signs record \(first.seq), but the export ends at record \(expectedSeq - 1): the tail is missing"
                ))
        }
        if !sawAnything {
            return .failure(AuditFault(kind: .truncated, line: 0, seq: nil, detail: "the export is empty"))
        }
        if !endedWithExportCheckpoint {
            return .failure(
                AuditFault(
                    kind: .truncated, line: lineNumber, seq: nil,
                    detail:
                        "the export does not end with its export checkpoint: lines after line \(lineNumber) are missing"
                ))
        }
        report.head = running
        return .success(report)
    }

    // MARK: Lines

    private static let checkpointPrefix = Array("{\"type\":\"checkpoint\"".utf8)
    private static let headerPrefix = Array("{\"type\":\"export\"".utf8)
    private static let closingBrace: [UInt8] = [UInt8(ascii: "}")]

    private mutating func header(_ line: ArraySlice<UInt8>) {
        guard lineNumber == 1, let header = try? JSONDecoder().decode(AuditExportHeader.self, from: Data(line)),
            header.format == AuditExportHeader.format, let prev = Data(hexString: header.prevHash), prev.count == 32,
            header.firstSeq >= 1
        else {
            return fail(.malformed, "the export header is malformed or not on the first line")
        }
        report.chain = header.chain
        expectedSeq = header.firstSeq
        running = prev
        beforeLast = prev
    }

    private mutating func record(_ line: ArraySlice<UInt8>) {
        guard let parsed = Self.parseRecord(line) else {
            return fail(.malformed, "a record line must end with its hash")
        }
        let hash = Self.hash(previous: running, body: parsed.body)
        if let suspect {
            // Was the suspect slipped in before this record? Then this one chains from the hash before it.
            resolveSuspect(chainsAround: parsed.seq == suspect.seq && hash.elementsEqual(parsed.stated))
            return
        }
        if parsed.seq == expectedSeq {
            guard hash.elementsEqual(parsed.stated) else {
                suspect = (lineNumber, parsed.seq)
                return
            }
            // The bytes are the ones the log hashed; what they say must be in a form we know.
            guard let version = Self.version(fields: parsed.fields) else {
                return fail(
                    .unknownVersion,
                    "the record is intact, but in no version of the canonical form this verifier knows (\(Self.knownVersions)): \(Self.declaredVersion(parsed.fields))",
                    seq: parsed.seq)
            }
            report.recordsByVersion[version, default: 0] += 1
            accept(seq: parsed.seq, hash: hash)
        } else if parsed.seq > expectedSeq {
            gap = (lineNumber, expectedSeq, parsed.seq)
            seenAfterGap.insert(parsed.seq)
        } else if parsed.seq == expectedSeq - 1,
            parsed.stated.elementsEqual(Self.hash(previous: beforeLast, body: parsed.body))
        {
            fault = AuditFault(
                kind: .inserted, line: lastRecordLine, seq: parsed.seq,
                detail: "this record is not part of the chain: the record after it links to the record before it")
        } else {
            fail(.inserted, "record \(parsed.seq) appears a second time", seq: parsed.seq)
        }
    }

    private mutating func accept(seq: Int64, hash: Data) {
        beforeLast = running
        running = hash
        expectedSeq = seq + 1
        lastRecordLine = lineNumber
        report.records += 1
        if report.firstSeq == nil { report.firstSeq = seq }
        report.lastSeq = seq
        while let index = pending.firstIndex(where: { $0.seq == seq }) {
            let checkpoint = pending.remove(at: index)
            compare(
                head: checkpoint.head, seq: seq, line: checkpoint.line,
                what: "the checkpoint on line \(checkpoint.line)")
        }
        if let head = trusted[seq] {
            compare(head: head, seq: seq, line: lineNumber, what: "a trusted earlier checkpoint")
        }
    }

    private mutating func compare(head: Data, seq: Int64, line: Int, what: String) {
        guard fault == nil else { return }
        if head == running {
            lastVerifiedCheckpointSeq = max(lastVerifiedCheckpointSeq, seq)
        } else {
            fault = AuditFault(
                kind: .fork, line: line, seq: seq,
                detail:
                    "the records after \(lastVerifiedCheckpointSeq) do not lead to the head \(what) signed for record \(seq): the chain was rewritten"
            )
        }
    }

    private mutating func resolveSuspect(chainsAround: Bool) {
        guard let suspect, fault == nil else { return }
        self.suspect = nil
        if chainsAround {
            fault = AuditFault(
                kind: .inserted, line: suspect.line, seq: suspect.seq,
                detail: "this record is not part of the chain: the record after it links to the record before it")
        } else {
            fault = AuditFault(
                kind: .changed, line: suspect.line, seq: suspect.seq,
                detail: "the record's bytes do not hash to the hash it carries")
        }
    }

    private mutating func checkpoint(_ line: ArraySlice<UInt8>) {
        if suspect != nil { return resolveSuspect(chainsAround: false) }
        guard let checkpoint = try? AuditCheckpoint(line: line) else {
            return fail(.malformed, "the checkpoint line is malformed")
        }
        guard let key = keys.key(id: checkpoint.keyID) else {
            return fail(
                .unknownKey, "the checkpoint is signed by key \(checkpoint.keyID), which is not a given public key",
                seq: checkpoint.seq)
        }
        guard checkpoint.isSigned(by: key) else {
            return fail(
                .badSignature, "the checkpoint's signatures do not verify with key \(checkpoint.keyID)",
                seq: checkpoint.seq)
        }
        if let chain = report.chain, chain != checkpoint.chain {
            return fail(.malformed, "the checkpoint belongs to chain \(checkpoint.chain), not \(chain)")
        }
        report.checkpoints += 1
        report.keyIDs.insert(checkpoint.keyID)
        let lastSeq = expectedSeq - 1
        if checkpoint.seq == lastSeq {
            compare(head: checkpoint.head, seq: lastSeq, line: lineNumber, what: "this checkpoint")
        } else if checkpoint.seq > lastSeq {
            pending.append((checkpoint.seq, checkpoint.head, lineNumber))
        } else {
            return fail(.malformed, "the checkpoint for record \(checkpoint.seq) comes after record \(lastSeq)")
        }
        endedWithExportCheckpoint = checkpoint.kind == .export
    }

    private mutating func fail(_ kind: AuditFault.Kind, _ detail: String, seq: Int64? = nil) {
        guard fault == nil else { return }
        fault = AuditFault(kind: kind, line: lineNumber, seq: seq, detail: detail)
    }

    /// The chain hash of a record whose body is `body` (its line up to the hash member) plus `}`,
    /// hashed in place: no copy of the line.
    private static func hash(previous: Data, body: ArraySlice<UInt8>) -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: body)
        hasher.update(data: closingBrace)
        return Data(hasher.finalize())
    }

    private static let versionKey = Array("\"v\":".utf8)
    private static let timeKey = Array("\"time\":".utf8)

    /// The version of the canonical form that a record's fields (what follows
    /// `{"type":"record","seq":N,`) are in: version 1 starts with `"time"`, a later version with
    /// `"v":<its number>,`. `nil` for anything else, version 1 spelled out included.
    static func version(fields: ArraySlice<UInt8>) -> AuditRecordVersion? {
        if fields.starts(with: timeKey) { return .v1 }
        guard fields.starts(with: versionKey) else { return nil }
        let digits = fields.dropFirst(versionKey.count).prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        // Canonical digits only: no sign, no leading zero, no spaces, then the comma.
        guard (1...4).contains(digits.count), digits.first != UInt8(ascii: "0"), digits.endIndex < fields.endIndex,
            fields[digits.endIndex] == UInt8(ascii: ","), let number = Int(String(decoding: digits, as: UTF8.self)),
            number > 1
        else { return nil }
        return AuditRecordVersion(rawValue: number)
    }

    private static let knownVersions = AuditRecordVersion.allCases.map(\.description).joined(separator: ", ")

    /// What a record of unknown version says it is, for the fault's detail.
    private static func declaredVersion(_ fields: ArraySlice<UInt8>) -> String {
        guard fields.starts(with: versionKey) else { return "its fields start with neither \"v\" nor \"time\"" }
        let value = fields.dropFirst(versionKey.count).prefix { $0 != UInt8(ascii: ",") }.prefix(20)
        return "\"v\":" + String(decoding: value, as: UTF8.self)
    }

    /// The sequence number, the body without its closing brace, the fields (the body after the
    /// sequence number) and the stated hash of a record line, without a JSON parser.
    private static func parseRecord(_ line: ArraySlice<UInt8>) -> (
        seq: Int64, body: ArraySlice<UInt8>, fields: ArraySlice<UInt8>, stated: [UInt8]
    )? {
        let suffixLength = AuditChain.hashSuffixLength
        guard line.count > AuditChain.recordPrefix.count + suffixLength else { return nil }
        var seq: Int64 = 0
        var index = line.startIndex + AuditChain.recordPrefix.count
        while index < line.endIndex, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
            guard seq < Int64.max / 10 else { return nil }
            seq = seq * 10 + Int64(line[index] - UInt8(ascii: "0"))
            index += 1
        }
        guard index < line.endIndex, line[index] == UInt8(ascii: ","), seq > 0 else { return nil }
        let suffixStart = line.endIndex - suffixLength
        guard line[suffixStart..<(suffixStart + AuditChain.hashKey.count)].elementsEqual(AuditChain.hashKey),
            line[line.endIndex - 2] == UInt8(ascii: "\""), line[line.endIndex - 1] == UInt8(ascii: "}"),
            let stated = Data.decodeHex(line[(suffixStart + AuditChain.hashKey.count)..<(line.endIndex - 2)])
        else { return nil }
        return (seq, line[line.startIndex..<suffixStart], line[min(index + 1, suffixStart)..<suffixStart], stated)
    }
}
