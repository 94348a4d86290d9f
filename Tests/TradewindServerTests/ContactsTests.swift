import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindTestSupport

/// The Contacts service end to end over TLS, as a client sees it.
@Suite("Contacts")
struct ContactsTests {
    typealias Contacts = Tradewind_V1_Contacts.Client

    private static func contact(_ externalID: String, country: String = "DE") -> Tradewind_V1_Contact {
        var contact = Tradewind_V1_Contact()
        contact.externalID = externalID
        contact.email = "Person.\(externalID)@Example.com"
        contact.phone = "+4915112345678"
        contact.name = "Jürgen Müller"
        contact.country = country
        contact.language = "de"
        contact.tags = ["vip", "newsletter", "vip"]
        contact.attributes = ["loyalty_tier": "gold"]
        return contact
    }

    private static func upsert(
        _ client: Contacts<some ClientTransport>, _ key: String, _ contact: Tradewind_V1_Contact, mask: [String] = []
    ) async throws -> Tradewind_V1_UpsertContactResponse {
        var request = Tradewind_V1_UpsertContactRequest()
        request.contact = contact
        request.updateMask.paths = mask
        return try await client.upsertContact(request, metadata: .bearer(key))
    }

    @Test("upsert creates, then updates only the masked fields; get returns the stored form")
    func upsertAndGet() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Contacts(wrapping: grpc)
            let created = try await Self.upsert(client, key, Self.contact("c-1"))
            #expect(created.created)
            #expect(created.contact.email == "person.c-1@example.com")
            #expect(created.contact.tags == ["vip", "newsletter"])

            var change = Self.contact("c-1")
            change.name = "Jürgen M."
            change.country = "AT"
            let updated = try await Self.upsert(client, key, change, mask: ["name"])
            #expect(!updated.created)
            #expect(updated.contact.id == created.contact.id)
            #expect(updated.contact.name == "Jürgen M.")
            #expect(updated.contact.country == "DE")

            var get = Tradewind_V1_GetContactRequest()
            get.id = created.contact.id
            let fetched = try await client.getContact(get, metadata: .bearer(key))
            #expect(fetched.name == "Jürgen M.")
            #expect(fetched.attributes == ["loyalty_tier": "gold"])
            #expect(fetched.language == "de")
        }
    }

    @Test("a short client deadline bounds the database work without breaking it")
    func shortDeadline() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Contacts(wrapping: grpc)
            var options = CallOptions.defaults
            options.timeout = .milliseconds(800)
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact = Self.contact("deadline")
            request.contact.email = "deadline@example.com"
            let created = try await client.upsertContact(request, metadata: .bearer(key), options: options)
            var get = Tradewind_V1_GetContactRequest()
            get.id = created.contact.id
            let fetched = try await client.getContact(get, metadata: .bearer(key), options: options)
            #expect(fetched.email == "deadline@example.com")
        }
    }

    @Test("update by id with a mask, and NOT_FOUND for a missing id")
    func updateByID() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Contacts(wrapping: grpc)
            let created = try await Self.upsert(client, key, Self.contact("u-1")).contact
            var request = Tradewind_V1_UpdateContactRequest()
            request.contact.id = created.id
            request.contact.language = "zh-Hans"
            request.updateMask.paths = ["language"]
            let updated = try await client.updateContact(request, metadata: .bearer(key))
            #expect(updated.language == "zh-Hans")
            #expect(updated.email == created.email)

            request.contact.id = UUID().uuidString
            let error = await Status.of { _ = try await client.updateContact(request, metadata: .bearer(key)) }
            #expect(error?.code == .notFound, "\(String(describing: error))")
        }
    }

    @Test("another tenant's contact id gets exactly the answer of a random id")
    func crossTenantIsIndistinguishable() async throws {
        let (_, keyA) = try await TestStack.tenant()
        let (_, keyB) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Contacts(wrapping: grpc)
            let contactOfB = try await Self.upsert(client, keyB, Self.contact("b-secret")).contact

            func attempts(_ id: String) async -> [String] {
                var get = Tradewind_V1_GetContactRequest()
                get.id = id
                var update = Tradewind_V1_UpdateContactRequest()
                update.contact.id = id
                update.contact.name = "hijacked"
                update.updateMask.paths = ["name"]
                var delete = Tradewind_V1_DeleteContactRequest()
                delete.id = id
                var consent = Tradewind_V1_RecordConsentRequest()
                consent.contactID = id
                consent.purpose = .analytics
                consent.action = .withdraw
                consent.regime = .gdpr
                consent.source = "test"
                let errors = [
                    await Status.of { _ = try await client.getContact(get, metadata: .bearer(keyA)) },
                    await Status.of { _ = try await client.updateContact(update, metadata: .bearer(keyA)) },
                    await Status.of { _ = try await client.deleteContact(delete, metadata: .bearer(keyA)) },
                    await Status.of { _ = try await client.recordConsent(consent, metadata: .bearer(keyA)) },
                ]
                return errors.map { "\($0?.code.description ?? "ok"): \($0?.message ?? "")" }
            }
            let foreign = await attempts(contactOfB.id)
            let random = await attempts(UUID().uuidString)
            #expect(foreign == random)
            #expect(foreign.allSatisfy { $0.hasPrefix("notFound") || $0.hasPrefix("not found") }, "\(foreign)")

            // B's contact is untouched.
            var get = Tradewind_V1_GetContactRequest()
            get.id = contactOfB.id
            let still = try await client.getContact(get, metadata: .bearer(keyB))
            #expect(still.name == contactOfB.name)
            #expect(still.consents.isEmpty)
        }
    }

    @Test("consent is an append-only ledger; the latest entry per purpose is the current state")
    func consentLedger() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Contacts(wrapping: grpc)
            let contact = try await Self.upsert(client, key, Self.contact("consent-1")).contact
            func record(_ action: Tradewind_V1_ConsentAction, at date: Date) async throws -> Tradewind_V1_Contact {
                var request = Tradewind_V1_RecordConsentRequest()
                request.contactID = contact.id
                request.purpose = .emailMarketing
                request.action = action
                request.lawfulBasis = action == .grant ? .consent : .unspecified
                request.source = "web:signup"
                request.regime = .gdpr
                request.occurTime = Google_Protobuf_Timestamp(date: date)
                return try await client.recordConsent(request, metadata: .bearer(key))
            }
            let now = Date()
            var state = try await record(.grant, at: now.addingTimeInterval(-60))
            #expect(state.consents.first?.granted == true)
            state = try await record(.withdraw, at: now)
            #expect(state.consents.first?.granted == false)
            // An older grant arriving late does not override the newer withdrawal.
            state = try await record(.grant, at: now.addingTimeInterval(-30))
            #expect(state.consents.first?.granted == false)

            var ledger = Tradewind_V1_ListConsentEventsRequest()
            ledger.contactID = contact.id
            let events = try await client.listConsentEvents(ledger, metadata: .bearer(key)).events
            #expect(events.map(\.action) == [.grant, .grant, .withdraw])
        }
    }

    @Test("list pages with opaque tokens bound to the filters, filtered by country and consent")
    func listAndPaging() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Contacts(wrapping: grpc)
            var germans: [String] = []
            for index in 0..<7 {
                germans.append(try await Self.upsert(client, key, Self.contact("de-\(index)")).contact.id)
            }
            let french = try await Self.upsert(client, key, Self.contact("fr-0", country: "FR")).contact
            var grant = Tradewind_V1_RecordConsentRequest()
            grant.contactID = french.id
            grant.purpose = .adPersonalisation
            grant.action = .grant
            grant.lawfulBasis = .consent
            grant.source = "app"
            grant.regime = .gdpr
            _ = try await client.recordConsent(grant, metadata: .bearer(key))

            var request = Tradewind_V1_ListContactsRequest()
            request.country = "DE"
            request.pageSize = 3
            var seen: [String] = []
            var pages = 0
            repeat {
                let page = try await client.listContacts(request, metadata: .bearer(key))
                seen += page.contacts.map(\.id)
                #expect(page.contacts.allSatisfy { $0.country == "DE" })
                request.pageToken = page.nextPageToken
                pages += 1
            } while !request.pageToken.isEmpty && pages < 10
            #expect(pages == 3)
            #expect(Set(seen) == Set(germans))
            #expect(seen.count == germans.count)

            // A token reused with other filters is refused.
            request.pageToken = try await client.listContacts(
                {
                    var first = request
                    first.pageToken = ""
                    return first
                }(), metadata: .bearer(key)
            ).nextPageToken
            request.country = "FR"
            let error = await Status.of { _ = try await client.listContacts(request, metadata: .bearer(key)) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("page_token") == true)

            var consented = Tradewind_V1_ListContactsRequest()
            consented.consentPurpose = .adPersonalisation
            consented.consentState = .granted
            let granted = try await client.listContacts(consented, metadata: .bearer(key)).contacts
            #expect(granted.map(\.id) == [french.id])
            consented.consentState = .notGranted
            let notGranted = try await client.listContacts(consented, metadata: .bearer(key)).contacts
            #expect(Set(notGranted.map(\.id)) == Set(germans))
        }
    }

    @Test("delete is hard and a second delete is NOT_FOUND")
    func delete() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Contacts(wrapping: grpc)
            let contact = try await Self.upsert(client, key, Self.contact("gone")).contact
            var request = Tradewind_V1_DeleteContactRequest()
            request.id = contact.id
            _ = try await client.deleteContact(request, metadata: .bearer(key))
            let again = await Status.of { _ = try await client.deleteContact(request, metadata: .bearer(key)) }
            #expect(again?.code == .notFound)
            var get = Tradewind_V1_GetContactRequest()
            get.id = contact.id
            let fetched = await Status.of { _ = try await client.getContact(get, metadata: .bearer(key)) }
            #expect(fetched?.code == .notFound)
        }
    }

    @Test("the response carries the client's x-request-id, or a new one")
    func requestID() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Contacts(wrapping: grpc)
            var metadata = Metadata.bearer(key)
            metadata.addString("req-1234", forKey: "x-request-id")
            var request = Tradewind_V1_ListContactsRequest()
            request.pageSize = 1
            let echoed = try await client.listContacts(request, metadata: metadata) { response in
                response.metadata[stringValues: "x-request-id"].first(where: { _ in true })
            }
            #expect(echoed == "req-1234")
            let generated = try await client.listContacts(request, metadata: .bearer(key)) { response in
                response.metadata[stringValues: "x-request-id"].first(where: { _ in true })
            }
            #expect(generated?.count == 36)

            var get = Tradewind_V1_GetContactRequest()
            get.id = UUID().uuidString
            let failed = await Status.of { _ = try await client.getContact(get, metadata: metadata) }
            #expect(failed?.metadata[stringValues: "x-request-id"].first(where: { _ in true }) == "req-1234")
        }
    }
}
