import Foundation
import PostgresNIO
import TradewindCore

/// SQL for contacts and their consent ledger. Every function runs inside a tenant transaction, so
/// row-level security scopes every statement to the caller's tenant; the explicit `tenant_id`
/// predicates are there for the indexes, not for isolation.
public enum ContactRepository {
    private static let columns =
        "id, external_id, email, phone, name, country, language, tags, attributes::text, created_at, updated_at"

    /// Creates the contact with `fields.externalID`, or updates the `mask`ed fields of the existing one.
    public static func upsert(_ fields: ContactFields, mask: Set<ContactField>, in tx: TenantTransaction)
        async throws -> (Contact, created: Bool)
    {
        if let existing = try await lockedContact(externalID: fields.externalID, in: tx) {
            return (
                try await write(id: existing.id, ContactField.apply(mask, from: fields, to: existing.fields), in: tx),
                false
            )
        }
        let attributes = try json(fields.attributes)
        let rows = try await tx.connection.query(
            """
            INSERT INTO contacts (tenant_id, id, external_id, email, phone, name, country, language, tags, attributes,
                                  created_at, updated_at)
            VALUES (\(tx.tenantID), \(UUID()), \(fields.externalID), \(fields.email), \(fields.phone), \(fields.name),
                    \(fields.country), \(fields.language), \(fields.tags), \(attributes)::jsonb, now(), now())
            ON CONFLICT (tenant_id, external_id) DO NOTHING
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        if let created = try await decode(rows, in: tx).first {
            return (created, true)
        }
        // A concurrent call created it between our lookup and insert: update it instead.
        guard let existing = try await lockedContact(externalID: fields.externalID, in: tx) else {
            throw StoreError.failedPrecondition("contact changed concurrently; retry")
        }
        return (
            try await write(id: existing.id, ContactField.apply(mask, from: fields, to: existing.fields), in: tx), false
        )
    }

    /// Updates the `mask`ed fields of the contact with `id`; `notFound` when the tenant has none.
    public static func update(id: UUID, _ fields: ContactFields, mask: Set<ContactField>, in tx: TenantTransaction)
        async throws -> Contact
    {
        let rows = try await tx.connection.query(
            "SELECT \(unescaped: columns) FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = \(id) FOR UPDATE",
            logger: tx.logger)
        guard let existing = try await decode(rows, in: tx, withConsents: false).first else {
            throw StoreError.notFound("contact not found")
        }
        do {
            return try await write(id: id, ContactField.apply(mask, from: fields, to: existing.fields), in: tx)
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError.alreadyExists("another contact has this external_id")
        }
    }

    /// One contact with its current consent, in one round trip: a row per consent purpose (or one
    /// row with no consent), since reads are the hot path.
    public static func get(id: UUID, in tx: TenantTransaction) async throws -> Contact? {
        let rows = try await tx.connection.query(getQuery(id: id, tenantID: tx.tenantID), logger: tx.logger)
        var collected: [PostgresRow] = []
        for try await row in rows { collected.append(row) }
        return try contact(from: collected)
    }

    static func getQuery(id: UUID, tenantID: UUID) -> PostgresQuery {
        """
        SELECT c.id, c.external_id, c.email, c.phone, c.name, c.country, c.language, c.tags, c.attributes::text,
               c.created_at, c.updated_at,
               cc.purpose, cc.granted, cc.lawful_basis, cc.source, cc.regime, cc.occurred_at
        FROM contacts c
        LEFT JOIN contact_consents cc ON cc.tenant_id = c.tenant_id AND cc.contact_id = c.id
        WHERE c.tenant_id = \(tenantID) AND c.id = \(id)
        ORDER BY cc.purpose
        """
    }

    /// One contact with its current consent: GetContact's read, in one round trip.
    public static func contact(id: UUID) -> TenantQuery<Contact?> {
        TenantQuery(statement: { getQuery(id: id, tenantID: $0) }, decode: contact(from:))
    }

    /// Decodes the rows of `getQuery`.
    static func contact(from rows: [PostgresRow]) throws -> Contact? {
        var contact: Contact?
        for row in rows {
            let (id, externalID, email, phone, name, country, language, tags, attributes, created, updated) =
                try row.decode(
                    (UUID, String, String, String, String, String, String, [String], String, Date, Date).self)
            if contact == nil {
                contact = Contact(
                    id: id,
                    fields: ContactFields(
                        externalID: externalID, email: email, phone: phone, name: name, country: country,
                        language: language, tags: tags,
                        attributes: try JSONDecoder().decode([String: String].self, from: Data(attributes.utf8))),
                    consents: [], createdAt: created, updatedAt: updated)
            }
            let columns = row.makeRandomAccess()
            if let purpose = try columns[11].decode(String?.self).flatMap(ConsentPurpose.init(rawValue:)),
                let regime = try columns[15].decode(String?.self).flatMap(PrivacyRegime.init(rawValue:))
            {
                contact?.consents.append(
                    ConsentState(
                        purpose: purpose, granted: try columns[12].decode(Bool.self),
                        lawfulBasis: try columns[13].decode(String?.self).flatMap(LawfulBasis.init(rawValue:)),
                        source: try columns[14].decode(String.self), regime: regime,
                        updatedAt: try columns[16].decode(Date.self)))
            }
        }
        return contact
    }

    /// Contacts newest first, after the contact at `after` (its creation time in microseconds since
    /// 1970, exact, and its id).
    public static func list(
        _ filter: ContactFilter, after: (Int64, UUID)?, limit: Int, in tx: TenantTransaction
    ) async throws -> [Contact] {
        let consentPurpose = filter.consent?.purpose.rawValue
        let consentGranted = filter.consent?.granted ?? true
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns) FROM contacts c
            WHERE c.tenant_id = \(tx.tenantID)
              AND (\(filter.country == nil) OR c.country = \(filter.country ?? ""))
              AND (\(consentPurpose == nil) OR \(consentGranted) = EXISTS (
                    SELECT 1 FROM contact_consents cc
                    WHERE cc.tenant_id = c.tenant_id AND cc.contact_id = c.id
                      AND cc.purpose = \(consentPurpose ?? "") AND cc.granted))
              AND (\(after == nil) OR (c.created_at, c.id)
                    < ('epoch'::timestamptz + \(after?.0 ?? 0) * interval '1 microsecond', \(after?.1 ?? UUID())))
            ORDER BY c.created_at DESC, c.id DESC
            LIMIT \(limit)
            """, logger: tx.logger)
        return try await decode(rows, in: tx)
    }

    /// The ids among `ids` that are contacts of the tenant.
    public static func existing(_ ids: [UUID], in tx: TenantTransaction) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await tx.connection.query(
            "SELECT id FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = ANY(\(ids))", logger: tx.logger)
        var found = Set<UUID>()
        for try await id in rows.decode(UUID.self) { found.insert(id) }
        return found
    }

    /// The contacts among `ids`, with their current consent, by id.
    public static func contacts(ids: [UUID], in tx: TenantTransaction) async throws -> [UUID: Contact] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await tx.connection.query(
            "SELECT \(unescaped: columns) FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = ANY(\(ids))",
            logger: tx.logger)
        return Dictionary(uniqueKeysWithValues: try await decode(rows, in: tx).map { ($0.id, $0) })
    }

    /// Deletes the contact and, by cascade, its ledger; false when the tenant has no such contact.
    public static func delete(id: UUID, in tx: TenantTransaction) async throws -> Bool {
        let rows = try await tx.connection.query(
            "DELETE FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = \(id) RETURNING id", logger: tx.logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Appends a ledger entry and updates the derived current state if the entry is the latest.
    public static func recordConsent(_ change: ConsentChange, in tx: TenantTransaction) async throws -> Contact {
        let locked = try await tx.connection.query(
            "SELECT id FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = \(change.contactID) FOR UPDATE",
            logger: tx.logger)
        var found = false
        for try await _ in locked.decode(UUID.self) { found = true }
        guard found else { throw StoreError.notFound("contact not found") }

        try await tx.connection.query(
            """
            INSERT INTO consent_events (tenant_id, id, contact_id, purpose, action, lawful_basis, source, regime,
                                        occurred_at, recorded_at)
            VALUES (\(tx.tenantID), \(UUID()), \(change.contactID), \(change.purpose.rawValue), \(change.action.rawValue),
                    \(change.lawfulBasis?.rawValue), \(change.source), \(change.regime.rawValue), \(change.occurredAt),
                    clock_timestamp())
            """, logger: tx.logger)
        try await tx.connection.query(
            """
            INSERT INTO contact_consents (tenant_id, contact_id, purpose, granted, lawful_basis, source, regime,
                                          occurred_at, recorded_at)
            VALUES (\(tx.tenantID), \(change.contactID), \(change.purpose.rawValue), \(change.action == .grant),
                    \(change.lawfulBasis?.rawValue), \(change.source), \(change.regime.rawValue), \(change.occurredAt),
                    clock_timestamp())
            ON CONFLICT (tenant_id, contact_id, purpose) DO UPDATE
            SET granted = EXCLUDED.granted, lawful_basis = EXCLUDED.lawful_basis, source = EXCLUDED.source,
                regime = EXCLUDED.regime, occurred_at = EXCLUDED.occurred_at, recorded_at = EXCLUDED.recorded_at
            WHERE (contact_consents.occurred_at, contact_consents.recorded_at)
                < (EXCLUDED.occurred_at, EXCLUDED.recorded_at)
            """, logger: tx.logger)
        try await tx.connection.query(
            "UPDATE contacts SET updated_at = now() WHERE tenant_id = \(tx.tenantID) AND id = \(change.contactID)",
            logger: tx.logger)
        // A withdrawal leaves every channel list at the next run of its sync, which runs now: queued
        // here, in the withdrawal's own transaction, so it can never be lost.
        if change.purpose == .adPersonalisation && change.action != .grant {
            try await AudienceSyncRepository.oweRemovals(contactID: change.contactID, in: tx)
        }
        guard let contact = try await get(id: change.contactID, in: tx) else {
            throw StoreError.notFound("contact not found")
        }
        return contact
    }

    /// The contact's whole ledger, oldest first; `nil` when the tenant has no such contact.
    public static func consentEvents(contactID: UUID, in tx: TenantTransaction) async throws -> [ConsentEvent]? {
        guard try await get(id: contactID, in: tx) != nil else { return nil }
        let rows = try await tx.connection.query(
            """
            SELECT id, contact_id, purpose, action, lawful_basis, source, regime, occurred_at, recorded_at
            FROM consent_events WHERE tenant_id = \(tx.tenantID) AND contact_id = \(contactID)
            ORDER BY occurred_at, recorded_at
            """, logger: tx.logger)
        var events: [ConsentEvent] = []
        for try await (id, contact, purpose, action, basis, source, regime, occurred, recorded) in rows.decode(
            (UUID, UUID, String, String, String?, String, String, Date, Date).self)
        {
            guard let purpose = ConsentPurpose(rawValue: purpose), let action = ConsentAction(rawValue: action),
                let regime = PrivacyRegime(rawValue: regime)
            else { continue }
            events.append(
                ConsentEvent(
                    id: id, contactID: contact, purpose: purpose, action: action,
                    lawfulBasis: basis.flatMap(LawfulBasis.init(rawValue:)), source: source, regime: regime,
                    occurredAt: occurred, recordedAt: recorded))
        }
        return events
    }

    // MARK: Helpers

    private static func lockedContact(externalID: String, in tx: TenantTransaction) async throws -> Contact? {
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns) FROM contacts
            WHERE tenant_id = \(tx.tenantID) AND external_id = \(externalID) FOR UPDATE
            """, logger: tx.logger)
        return try await decode(rows, in: tx, withConsents: false).first
    }

    private static func write(id: UUID, _ fields: ContactFields, in tx: TenantTransaction) async throws -> Contact {
        let attributes = try json(fields.attributes)
        let rows = try await tx.connection.query(
            """
            UPDATE contacts SET external_id = \(fields.externalID), email = \(fields.email), phone = \(fields.phone),
                   name = \(fields.name), country = \(fields.country), language = \(fields.language),
                   tags = \(fields.tags), attributes = \(attributes)::jsonb, updated_at = now()
            WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        guard let contact = try await decode(rows, in: tx).first else {
            throw StoreError.notFound("contact not found")
        }
        return contact
    }

    private static func json(_ attributes: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(attributes), as: UTF8.self)
    }

    /// Decodes contact rows and, unless told not to, loads their current consent in one more query.
    private static func decode(_ rows: PostgresRowSequence, in tx: TenantTransaction, withConsents: Bool = true)
        async throws -> [Contact]
    {
        var contacts: [Contact] = []
        for try await (id, externalID, email, phone, name, country, language, tags, attributes, created, updated)
            in rows.decode((UUID, String, String, String, String, String, String, [String], String, Date, Date).self)
        {
            let fields = ContactFields(
                externalID: externalID, email: email, phone: phone, name: name, country: country, language: language,
                tags: tags,
                attributes: try JSONDecoder().decode([String: String].self, from: Data(attributes.utf8)))
            contacts.append(Contact(id: id, fields: fields, consents: [], createdAt: created, updatedAt: updated))
        }
        guard withConsents, !contacts.isEmpty else { return contacts }

        let ids = contacts.map(\.id)
        let consentRows = try await tx.connection.query(
            """
            SELECT contact_id, purpose, granted, lawful_basis, source, regime, occurred_at FROM contact_consents
            WHERE tenant_id = \(tx.tenantID) AND contact_id = ANY(\(ids))
            ORDER BY contact_id, purpose
            """, logger: tx.logger)
        var states: [UUID: [ConsentState]] = [:]
        for try await (contactID, purpose, granted, basis, source, regime, occurred) in consentRows.decode(
            (UUID, String, Bool, String?, String, String, Date).self)
        {
            guard let purpose = ConsentPurpose(rawValue: purpose), let regime = PrivacyRegime(rawValue: regime) else {
                continue
            }
            states[contactID, default: []].append(
                ConsentState(
                    purpose: purpose, granted: granted, lawfulBasis: basis.flatMap(LawfulBasis.init(rawValue:)),
                    source: source, regime: regime, updatedAt: occurred))
        }
        return contacts.map { contact in
            var contact = contact
            contact.consents = states[contact.id] ?? []
            return contact
        }
    }
}
