import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Contacts`: a tenant's audience and consent ledger.
///
/// Every handler validates its whole request first (reporting every bad field at once), then does
/// all its work in one transaction in the caller's home region: a failed call leaves nothing behind.
struct ContactsService: Tradewind_V1_Contacts.SimpleServiceProtocol {
    let store: TenantStore
    let pageTokens: PageTokenCodec
    let limits: ServerConfiguration.Limits
    let hasher: SubjectHasher

    /// Refuses to write an email or phone of a person erased on request: a re-import must not
    /// silently bring them back.
    private static func refuseSuppressed(
        email: String, phone: String, prefix: String, hasher: SubjectHasher, in tx: TenantTransaction
    ) async throws {
        let points = hasher.contactPoints(email: email, phone: phone, tenantID: tx.tenantID)
        guard !points.isEmpty, let hit = try await PrivacyRepository.suppression(of: points, in: tx) else { return }
        let day = hit.erasedAt.formatted(.iso8601.year().month().day())
        throw RPCError(
            code: .failedPrecondition,
            message:
                "\(prefix).\(hit.kind): belongs to a person erased at their request on \(day); it is not re-imported")
    }

    func upsertContact(request: Tradewind_V1_UpsertContactRequest, context: ServerContext) async throws
        -> Tradewind_V1_UpsertContactResponse
    {
        var collector = ViolationCollector()
        if !request.hasContact { collector.add("contact", "is required") }
        let fields = ProtoMapping.fields(request.contact)
        fields.validate(into: &collector, prefix: "contact")
        let mask = ContactField.parseMask(
            request.updateMask.paths, allowed: ContactField.upsertable, into: &collector)
        try collector.throwIfAny()

        let normalized = fields.normalized
        let hasher = self.hasher
        let call = try CallContext.tenantCall()
        let (contact, created) = try await store.write(for: call) { tx in
            try await Self.refuseSuppressed(
                email: normalized.email, phone: normalized.phone, prefix: "contact", hasher: hasher, in: tx)
            let result = try await ContactRepository.upsert(normalized, mask: mask, in: tx)
            call.touch(contact: result.0.id)
            call.wrote(rows: 1)
            return result
        }
        var response = Tradewind_V1_UpsertContactResponse()
        response.contact = ProtoMapping.proto(contact)
        response.created = created
        return response
    }

    func updateContact(request: Tradewind_V1_UpdateContactRequest, context: ServerContext) async throws
        -> Tradewind_V1_Contact
    {
        var collector = ViolationCollector()
        let id = ProtoMapping.uuid(request.contact.id, field: "contact.id", into: &collector)
        if request.updateMask.paths.isEmpty { collector.add("update_mask", "is required: name the fields to change") }
        let mask = ContactField.parseMask(request.updateMask.paths, allowed: ContactField.allCases, into: &collector)
        let fields = ProtoMapping.fields(request.contact)
        fields.validate(into: &collector, prefix: "contact", only: mask)
        try collector.throwIfAny()
        guard let id else { throw RPCError(code: .invalidArgument, message: "contact.id: must be a UUID") }

        let normalized = fields.normalized
        let hasher = self.hasher
        let call = try CallContext.tenantCall()
        let contact = try await store.write(for: call) { tx in
            call.touch(contact: id)
            try await Self.refuseSuppressed(
                email: mask.contains(.email) ? normalized.email : "",
                phone: mask.contains(.phone) ? normalized.phone : "",
                prefix: "contact", hasher: hasher, in: tx)
            let contact = try await ContactRepository.update(id: id, normalized, mask: mask, in: tx)
            call.wrote(rows: 1)
            return contact
        }
        return ProtoMapping.proto(contact)
    }

    func getContact(request: Tradewind_V1_GetContactRequest, context: ServerContext) async throws
        -> Tradewind_V1_Contact
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        call.touch(contact: id)
        guard let contact = try await store.read(for: call, ContactRepository.contact(id: id)) else {
            throw Self.notFound
        }
        call.read(rows: 1)
        return ProtoMapping.proto(contact)
    }

    func listContacts(request: Tradewind_V1_ListContactsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListContactsResponse
    {
        var collector = ViolationCollector()
        var pageSize = limits.pageSizes.defaultSize
        do { pageSize = try limits.pageSizes.resolve(request.pageSize) } catch {
            collector.add("page_size", error.message)
        }
        var filter = ContactFilter()
        if !request.country.isEmpty {
            collector.require(
                FieldFormats.isValidCountryCode(request.country), "country",
                "must be an ISO 3166-1 alpha-2 code such as DE")
            filter.country = request.country
        }
        switch (request.consentPurpose, request.consentState) {
        case (.unspecified, .unspecified):
            break
        case (let purpose, let state):
            let granted: Bool?
            switch state {
            case .granted: granted = true
            case .notGranted: granted = false
            case .unspecified:
                granted = nil
                collector.add("consent_state", "is required when consent_purpose is set")
            case .UNRECOGNIZED(let value):
                granted = nil
                collector.add("consent_state", "\(value) is not a known consent filter state")
            }
            let domainPurpose = ProtoMapping.purpose(purpose)
            if domainPurpose == nil { collector.add("consent_purpose", ProtoMapping.enumMessage(purpose.rawValue)) }
            if let domainPurpose, let granted { filter.consent = .init(purpose: domainPurpose, granted: granted) }
        }
        try collector.throwIfAny()

        let call = try CallContext.tenantCall()
        let tenantScope = call.pageTokenScope
        var after: (Int64, UUID)?
        if !request.pageToken.isEmpty {
            let position = try pageTokens.decode(
                request.pageToken, scope: tenantScope, filterFingerprint: filter.fingerprint)
            guard position.count == 2, let micros = Int64(position[0]), let id = UUID(uuidString: position[1]) else {
                throw ErrorMapping.invalidArgument(ValidationFailure(field: "page_token", "is malformed"))
            }
            after = (micros, id)
        }
        let limit = pageSize
        let cursor = after
        let selectedFilter = filter
        // One row more than asked tells whether another page exists.
        let contacts = try await store.read(for: call) { tx in
            let contacts = try await ContactRepository.list(selectedFilter, after: cursor, limit: limit + 1, in: tx)
            // Who saw which person: every returned contact, by pseudonym.
            for contact in contacts.prefix(limit) { call.touch(contact: contact.id) }
            call.read(rows: min(contacts.count, limit))
            return contacts
        }
        var response = Tradewind_V1_ListContactsResponse()
        response.contacts = contacts.prefix(limit).map(ProtoMapping.proto)
        if contacts.count > limit, let last = contacts.prefix(limit).last {
            response.nextPageToken = pageTokens.encode(
                position: [String(last.createdAt.microsecondsSince1970), last.id.uuidString],
                scope: tenantScope, filterFingerprint: filter.fingerprint)
        }
        return response
    }

    func deleteContact(request: Tradewind_V1_DeleteContactRequest, context: ServerContext) async throws
        -> Tradewind_V1_DeleteContactResponse
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        try await store.write(for: call) { tx in
            call.touch(contact: id)
            guard try await ContactRepository.delete(id: id, in: tx) else { throw Self.notFound }
            call.wrote(rows: 1)
        }
        return Tradewind_V1_DeleteContactResponse()
    }

    func recordConsent(request: Tradewind_V1_RecordConsentRequest, context: ServerContext) async throws
        -> Tradewind_V1_Contact
    {
        var collector = ViolationCollector()
        let contactID = ProtoMapping.uuid(request.contactID, field: "contact_id", into: &collector)
        let purpose = ProtoMapping.purpose(request.purpose)
        if purpose == nil { collector.add("purpose", ProtoMapping.enumMessage(request.purpose.rawValue)) }
        let action = ProtoMapping.action(request.action)
        if action == nil { collector.add("action", ProtoMapping.enumMessage(request.action.rawValue)) }
        let regime = ProtoMapping.regime(request.regime)
        if regime == nil { collector.add("regime", ProtoMapping.enumMessage(request.regime.rawValue)) }
        let basis = ProtoMapping.basis(request.lawfulBasis)
        if action == .grant && basis == nil {
            collector.add("lawful_basis", "is required for a grant")
        } else if case .UNRECOGNIZED(let value) = request.lawfulBasis {
            collector.add("lawful_basis", "\(value) is not a known value")
        }
        if regime == .pipl && basis == .legitimateInterest {
            collector.add("lawful_basis", "legitimate interest is not a lawful basis under PIPL")
        }
        collector.require(
            FieldFormats.isPrintableText(request.source, maxLength: 200), "source", "must be 1-200 printable characters"
        )
        let now = Date()
        let occurredAt = request.hasOccurTime ? request.occurTime.date : now
        // A little clock skew is tolerated; consent from the future is not.
        collector.require(occurredAt <= now.addingTimeInterval(300), "occur_time", "must not be in the future")
        try collector.throwIfAny()
        guard let contactID, let purpose, let action, let regime else {
            throw RPCError(code: .invalidArgument, message: "invalid consent")
        }

        let change = ConsentChange(
            contactID: contactID, purpose: purpose, action: action, lawfulBasis: basis,
            source: request.source, regime: regime, occurredAt: occurredAt)
        let call = try CallContext.tenantCall()
        let contact = try await store.write(for: call) { tx in
            call.touch(contact: contactID)
            let contact = try await ContactRepository.recordConsent(change, in: tx)
            // The ledger entry and the derived current state.
            call.wrote(rows: 2)
            return contact
        }
        return ProtoMapping.proto(contact)
    }

    func listConsentEvents(request: Tradewind_V1_ListConsentEventsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListConsentEventsResponse
    {
        let id = try ProtoMapping.uuid(request.contactID, field: "contact_id")
        let call = try CallContext.tenantCall()
        let events = try await store.read(for: call) { tx in
            call.touch(contact: id)
            guard let events = try await ContactRepository.consentEvents(contactID: id, in: tx) else {
                throw Self.notFound
            }
            call.read(rows: events.count)
            return events
        }
        var response = Tradewind_V1_ListConsentEventsResponse()
        response.events = events.map(ProtoMapping.proto)
        return response
    }

    // MARK: Helpers

    /// The same answer, word for word, for another tenant's contact as for an id that never existed.
    private static let notFound = RPCError(code: .notFound, message: "contact not found")
}
