import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// Contacts and their fields.
extension ProtoMapping {
    static func fields(_ contact: Tradewind_V1_Contact) -> ContactFields {
        ContactFields(
            externalID: contact.externalID, email: contact.email, phone: contact.phone, name: contact.name,
            country: contact.country, language: contact.language, tags: contact.tags, attributes: contact.attributes)
    }

    static func proto(_ contact: Contact) -> Tradewind_V1_Contact {
        var message = Tradewind_V1_Contact()
        message.id = contact.id.uuidString.lowercased()
        message.externalID = contact.fields.externalID
        message.email = contact.fields.email
        message.phone = contact.fields.phone
        message.name = contact.fields.name
        message.country = contact.fields.country
        message.language = contact.fields.language
        message.tags = contact.fields.tags
        message.attributes = contact.fields.attributes
        message.consents = contact.consents.map { state in
            var consent = Tradewind_V1_ConsentState()
            consent.purpose = proto(state.purpose)
            consent.granted = state.granted
            consent.lawfulBasis = proto(state.lawfulBasis)
            consent.source = state.source
            consent.regime = proto(state.regime)
            consent.updateTime = Google_Protobuf_Timestamp(date: state.updatedAt)
            return consent
        }
        message.createTime = Google_Protobuf_Timestamp(date: contact.createdAt)
        message.updateTime = Google_Protobuf_Timestamp(date: contact.updatedAt)
        return message
    }
}
