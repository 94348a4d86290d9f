import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// Tenants, their settings, roles, API keys and client certificates.
extension ProtoMapping {
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
        message.settings.audienceExports = (tenant.settings.audienceExports ?? []).map { permission in
            var setting = Tradewind_V1_AudienceExportSetting()
            setting.channel = permission.channel.rawValue
            setting.allowed = permission.allowed
            setting.legalBasis = permission.legalBasis
            setting.changeTime = Google_Protobuf_Timestamp(date: permission.changedAt)
            return setting
        }
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
}

extension Role {
    /// The role as the public contract spells it (`operator` has no wire form).
    public var wireValue: Tradewind_V1_Role { ProtoMapping.proto(self) }
}
