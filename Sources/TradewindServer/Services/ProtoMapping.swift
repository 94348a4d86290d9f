import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// Conversions between wire types and domain types. Wire enums that are unset or unknown map to
/// `nil`; the caller reports the field.
enum ProtoMapping {
    static func purpose(_ value: Tradewind_V1_ConsentPurpose) -> ConsentPurpose? {
        switch value {
        case .emailMarketing: .emailMarketing
        case .adPersonalisation: .adPersonalisation
        case .analytics: .analytics
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func proto(_ value: ConsentPurpose) -> Tradewind_V1_ConsentPurpose {
        switch value {
        case .emailMarketing: .emailMarketing
        case .adPersonalisation: .adPersonalisation
        case .analytics: .analytics
        }
    }

    static func action(_ value: Tradewind_V1_ConsentAction) -> ConsentAction? {
        switch value {
        case .grant: .grant
        case .withdraw: .withdraw
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func proto(_ value: ConsentAction) -> Tradewind_V1_ConsentAction {
        switch value {
        case .grant: .grant
        case .withdraw: .withdraw
        }
    }

    static func basis(_ value: Tradewind_V1_LawfulBasis) -> LawfulBasis? {
        switch value {
        case .consent: .consent
        case .contract: .contract
        case .legitimateInterest: .legitimateInterest
        case .legalObligation: .legalObligation
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func proto(_ value: LawfulBasis?) -> Tradewind_V1_LawfulBasis {
        switch value {
        case .consent: .consent
        case .contract: .contract
        case .legitimateInterest: .legitimateInterest
        case .legalObligation: .legalObligation
        case nil: .unspecified
        }
    }

    static func regime(_ value: Tradewind_V1_PrivacyRegime) -> PrivacyRegime? {
        switch value {
        case .gdpr: .gdpr
        case .pipl: .pipl
        case .ccpa: .ccpa
        case .pdpa: .pdpa
        case .lgpd: .lgpd
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func proto(_ value: PrivacyRegime) -> Tradewind_V1_PrivacyRegime {
        switch value {
        case .gdpr: .gdpr
        case .pipl: .pipl
        case .ccpa: .ccpa
        case .pdpa: .pdpa
        case .lgpd: .lgpd
        }
    }

    static func role(_ value: Tradewind_V1_Role) -> Role? {
        switch value {
        case .owner: .owner
        case .admin: .admin
        case .marketer: .marketer
        case .analyst: .analyst
        case .complianceOfficer: .complianceOfficer
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func proto(_ value: Role) -> Tradewind_V1_Role {
        switch value {
        case .owner: .owner
        case .admin: .admin
        case .marketer: .marketer
        case .analyst: .analyst
        case .complianceOfficer: .complianceOfficer
        case .operator: .unspecified
        }
    }

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

    static func proto(_ event: ConsentEvent) -> Tradewind_V1_ConsentEvent {
        var message = Tradewind_V1_ConsentEvent()
        message.id = event.id.uuidString.lowercased()
        message.contactID = event.contactID.uuidString.lowercased()
        message.purpose = proto(event.purpose)
        message.action = proto(event.action)
        message.lawfulBasis = proto(event.lawfulBasis)
        message.source = event.source
        message.regime = proto(event.regime)
        message.occurTime = Google_Protobuf_Timestamp(date: event.occurredAt)
        message.recordTime = Google_Protobuf_Timestamp(date: event.recordedAt)
        return message
    }

    static func proto(_ tenant: Tenant) -> Tradewind_V1_Tenant {
        var message = Tradewind_V1_Tenant()
        message.id = tenant.id.uuidString.lowercased()
        message.slug = tenant.slug
        message.name = tenant.name
        message.homeRegion = tenant.homeRegion.rawValue
        message.plan = tenant.plan
        message.status = tenant.status == .active ? .active : .suspended
        message.settings.reportingCurrency = tenant.settings.reportingCurrency
        message.settings.timeZone = tenant.settings.timeZone
        message.settings.eventRetentionDays = Int32(tenant.settings.eventRetentionDays)
        message.settings.privacyRequestDeadlineDays = Int32(tenant.settings.privacyRequestDeadlineDays)
        message.settings.requireMtls = tenant.settings.requireMTLS
        message.createTime = Google_Protobuf_Timestamp(date: tenant.createdAt)
        message.updateTime = Google_Protobuf_Timestamp(date: tenant.updatedAt)
        return message
    }

    /// Settings from the wire, with unset (zero) fields taking their defaults.
    static func settings(_ message: Tradewind_V1_TenantSettings) -> TenantSettings {
        let defaults = TenantSettings.default
        return TenantSettings(
            reportingCurrency: message.reportingCurrency.isEmpty
                ? defaults.reportingCurrency : message.reportingCurrency,
            timeZone: message.timeZone.isEmpty ? defaults.timeZone : message.timeZone,
            eventRetentionDays: message.eventRetentionDays == 0
                ? defaults.eventRetentionDays : Int(message.eventRetentionDays),
            privacyRequestDeadlineDays: message.privacyRequestDeadlineDays == 0
                ? defaults.privacyRequestDeadlineDays : Int(message.privacyRequestDeadlineDays),
            requireMTLS: message.requireMtls)
    }

    static func proto(_ key: APIKeyRecord) -> Tradewind_V1_ApiKey {
        var message = Tradewind_V1_ApiKey()
        message.keyID = key.keyID
        message.tenantID = key.tenantID?.uuidString.lowercased() ?? ""
        message.role = proto(key.role)
        message.label = key.label
        message.displayPrefix = APIKeyToken.displayPrefix(keyID: key.keyID)
        message.createTime = Google_Protobuf_Timestamp(date: key.createdAt)
        if let expiry = key.expiresAt { message.expireTime = Google_Protobuf_Timestamp(date: expiry) }
        if let revoked = key.revokedAt { message.revokeTime = Google_Protobuf_Timestamp(date: revoked) }
        if let used = key.lastUsedAt { message.lastUsedTime = Google_Protobuf_Timestamp(date: used) }
        return message
    }

    static func proto(_ record: ClientCertificateRecord) -> Tradewind_V1_ClientCertificate {
        var message = Tradewind_V1_ClientCertificate()
        message.spkiSha256 = record.spkiSHA256
        message.tenantID = record.tenantID.uuidString.lowercased()
        message.role = proto(record.role)
        message.label = record.label
        message.subject = record.subject
        message.expireTime = Google_Protobuf_Timestamp(date: record.expiresAt)
        message.createTime = Google_Protobuf_Timestamp(date: record.createdAt)
        return message
    }

    /// Parses a UUID field, reporting `field` when it is not one.
    static func uuid(_ text: String, field: String, into collector: inout ViolationCollector) -> UUID? {
        if let id = UUID(uuidString: text) { return id }
        collector.add(field, text.isEmpty ? "is required" : "must be a UUID")
        return nil
    }

    /// The UUID in `text`, or `INVALID_ARGUMENT` naming `field`.
    static func uuid(_ text: String, field: String) throws -> UUID {
        var collector = ViolationCollector()
        let id = uuid(text, field: field, into: &collector)
        try collector.throwIfAny()
        guard let id else { throw RPCError(code: .invalidArgument, message: "\(field): must be a UUID") }
        return id
    }

    /// What a bad enum field gets told: unset, or a number the contract does not define.
    static func enumMessage(_ rawValue: Int) -> String {
        rawValue == 0 ? "is required" : "\(rawValue) is not a known value"
    }
}

extension Role {
    /// The role as the public contract spells it (`operator` has no wire form).
    public var wireValue: Tradewind_V1_Role { ProtoMapping.proto(self) }
}

extension ProtoMapping {
    /// An event as sent, for validation in Core.
    static func draft(_ event: Tradewind_V1_Event) -> EventDraft {
        let kind: EventDraft.Kind
        switch event.kind {
        case nil:
            kind = .missing
        case .identify:
            kind = .identify
        case .touchpoint(let touch):
            kind = .touchpoint(
                type: touchpointType(touch.type), channel: channel(touch.channel), campaignID: touch.campaignID,
                adSetID: touch.adSetID, creativeID: touch.creativeID, costMicros: touch.costMicros,
                currency: touch.currency)
        case .pageView(let view):
            kind = .pageView(path: view.path)
        case .conversion(let conversion):
            kind = .conversion(
                orderID: conversion.orderID, valueMicros: conversion.valueMicros, currency: conversion.currency,
                items: conversion.items.map {
                    ConversionItem(sku: $0.sku, quantity: Int($0.quantity), priceMicros: $0.priceMicros)
                }, channel: channel(conversion.channel),
                channelUnknown: conversion.channel.rawValue != 0 && channel(conversion.channel) == nil,
                campaignID: conversion.campaignID)
        case .consent(let change):
            var unknownBasis = false
            if case .UNRECOGNIZED = change.lawfulBasis { unknownBasis = true }
            kind = .consent(
                purpose: purpose(change.purpose), action: action(change.action), lawfulBasis: basis(change.lawfulBasis),
                lawfulBasisUnknown: unknownBasis, regime: regime(change.regime), source: change.source)
        }
        return EventDraft(
            eventID: event.eventID, occurredAt: event.hasOccurTime ? event.occurTime.date : nil,
            contactID: event.contactID, anonymousID: event.anonymousID, country: event.country, kind: kind)
    }

    /// The wire value of a channel; `unspecified` for a name that is not one.
    static func channel(named name: String) -> Tradewind_V1_Channel {
        switch Channel(rawValue: name) {
        case .googleAds: .googleAds
        case .meta: .meta
        case .tiktok: .tiktok
        case .amazonAds: .amazonAds
        case .email: .email
        case .organic: .organic
        case nil: .unspecified
        }
    }

    static func channel(_ value: Tradewind_V1_Channel) -> Channel? {
        switch value {
        case .googleAds: .googleAds
        case .meta: .meta
        case .tiktok: .tiktok
        case .amazonAds: .amazonAds
        case .email: .email
        case .organic: .organic
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func touchpointType(_ value: Tradewind_V1_TouchpointType) -> TouchpointType? {
        switch value {
        case .impression: .impression
        case .click: .click
        case .unspecified, .UNRECOGNIZED: nil
        }
    }
}
