import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindTestSupport

/// Bad input gets a clear status naming the field, and leaves nothing behind.
@Suite("Bad input")
struct BadInputTests {
    private static func contactCount(_ client: Tradewind_V1_Contacts.Client<some ClientTransport>, _ key: String)
        async throws -> Int
    {
        var request = Tradewind_V1_ListContactsRequest()
        request.pageSize = 1000
        return try await client.listContacts(request, metadata: .bearer(key)).contacts.count
    }

    @Test("invalid fields get INVALID_ARGUMENT with BadRequest naming every one, and no row")
    func invalidFields() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Tradewind_V1_Contacts.Client(wrapping: grpc)
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "bad-1"
            request.contact.email = "not-an-email"
            request.contact.phone = "0151 1234"
            request.contact.country = "Germany"
            request.contact.language = "zh_Hans"
            request.contact.tags = ["ok", "bad tag"]
            request.contact.attributes = ["Bad-Key": "x"]
            request.updateMask.paths = ["email", "shoe_size"]
            let error = await Status.of { _ = try await client.upsertContact(request, metadata: .bearer(key)) }
            #expect(error?.code == .invalidArgument)
            let fields = Status.fieldViolations(error)
            #expect(
                Set(fields) == [
                    "contact.email", "contact.phone", "contact.country", "contact.language", "contact.tags[1]",
                    "contact.attributes[Bad-Key]", "update_mask.paths[1]",
                ])
            #expect(error?.message.contains("contact.email") == true)
            let remaining = try await Self.contactCount(client, key)
            #expect(remaining == 0)
        }
    }

    @Test("unknown enum values are refused, naming the field")
    func unknownEnums() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Tradewind_V1_Contacts.Client(wrapping: grpc)
            var upsert = Tradewind_V1_UpsertContactRequest()
            upsert.contact.externalID = "enum-1"
            let contact = try await client.upsertContact(upsert, metadata: .bearer(key)).contact

            var request = Tradewind_V1_RecordConsentRequest()
            request.contactID = contact.id
            request.purpose = .UNRECOGNIZED(42)
            request.action = .grant
            request.lawfulBasis = .consent
            request.regime = .UNRECOGNIZED(7)
            request.source = "test"
            let error = await Status.of { _ = try await client.recordConsent(request, metadata: .bearer(key)) }
            #expect(error?.code == .invalidArgument)
            #expect(Set(Status.fieldViolations(error)) == ["purpose", "regime"])

            var ledger = Tradewind_V1_ListConsentEventsRequest()
            ledger.contactID = contact.id
            #expect(try await client.listConsentEvents(ledger, metadata: .bearer(key)).events.isEmpty)

            var list = Tradewind_V1_ListContactsRequest()
            list.consentPurpose = .UNRECOGNIZED(9)
            list.consentState = .granted
            let listError = await Status.of { _ = try await client.listContacts(list, metadata: .bearer(key)) }
            #expect(Status.fieldViolations(listError) == ["consent_purpose"])
        }
    }

    @Test("page sizes outside 0...1000 are refused")
    func pageSizeLimits() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Tradewind_V1_Contacts.Client(wrapping: grpc)
            for size: Int32 in [-1, 1001] {
                var request = Tradewind_V1_ListContactsRequest()
                request.pageSize = size
                let error = await Status.of { _ = try await client.listContacts(request, metadata: .bearer(key)) }
                #expect(Status.fieldViolations(error) == ["page_size"], "page size \(size)")
            }
        }
    }

    @Test("a message over the application's limit gets RESOURCE_EXHAUSTED, not a reset stream")
    func oversizedMessage() async throws {
        let stack = try await TestStack.running()
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Tradewind_V1_Contacts.Client(wrapping: grpc)
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "huge"
            request.contact.name = String(repeating: "x", count: stack.configuration.limits.maxRequestBytes + 1)
            let error = await Status.of { _ = try await client.upsertContact(request, metadata: .bearer(key)) }
            #expect(error?.code == .resourceExhausted)
            #expect(error?.message.contains("\(stack.configuration.limits.maxRequestBytes)") == true)
            let remaining = try await Self.contactCount(client, key)
            #expect(remaining == 0)
        }
    }

    @Test("a contact id that is not a UUID is INVALID_ARGUMENT naming the field")
    func malformedID() async throws {
        let (_, key) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let client = Tradewind_V1_Contacts.Client(wrapping: grpc)
            var request = Tradewind_V1_GetContactRequest()
            request.id = "42; DROP TABLE contacts"
            let error = await Status.of { _ = try await client.getContact(request, metadata: .bearer(key)) }
            #expect(error?.code == .invalidArgument)
            #expect(Status.fieldViolations(error) == ["id"])
        }
    }
}
