import Foundation
import Logging
import PostgresNIO
import TradewindCore

/// Client certificates for mTLS, identified by the SHA-256 of their SubjectPublicKeyInfo.
extension ControlStore {
    static let certificateColumns = "spki_sha256, tenant_id, role, label, subject, expires_at, created_at"

    static func decodeCertificates(_ rows: PostgresRowSequence) async throws -> [ClientCertificateRecord] {
        var records: [ClientCertificateRecord] = []
        for try await (spki, tenantID, role, label, subject, expires, created) in rows.decode(
            (String, UUID, String, String, String, Date, Date).self)
        {
            guard let role = Role(rawValue: role) else { continue }
            records.append(
                ClientCertificateRecord(
                    spkiSHA256: spki, tenantID: tenantID, role: role, label: label, subject: subject,
                    expiresAt: expires, createdAt: created))
        }
        return records
    }

    public func registerClientCertificate(
        _ record: ClientCertificateRecord, for caller: some StoreCaller
    ) async throws -> ClientCertificateRecord {
        do {
            return try await write(for: caller) { connection, logger in
                let rows = try await connection.query(
                    """
                    INSERT INTO client_certificates (spki_sha256, tenant_id, role, label, subject, expires_at)
                    VALUES (\(record.spkiSHA256), \(record.tenantID), \(record.role.rawValue), \(record.label),
                            \(record.subject), \(record.expiresAt))
                    RETURNING \(unescaped: Self.certificateColumns)
                    """, logger: logger)
                guard let stored = try await Self.decodeCertificates(rows).first else {
                    throw StoreError.failedPrecondition("certificate was not registered")
                }
                return stored
            }
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError.alreadyExists("a certificate with this public key is registered already")
        }
    }

    public func clientCertificate(spkiSHA256: String, timeout: Duration? = nil) async throws
        -> ClientCertificateRecord?
    {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.certificateColumns) FROM client_certificates WHERE spki_sha256 = \(spkiSHA256)",
                logger: logger)
            return try await Self.decodeCertificates(rows).first
        }
    }

    public func listClientCertificates(tenantID: UUID, timeout: Duration? = nil) async throws
        -> [ClientCertificateRecord]
    {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.certificateColumns) FROM client_certificates
                WHERE tenant_id = \(tenantID) ORDER BY created_at DESC LIMIT 1000
                """, logger: logger)
            return try await Self.decodeCertificates(rows)
        }
    }
}
