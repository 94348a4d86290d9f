import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// Consent purposes, actions, lawful bases, privacy regimes and ledger entries.
extension ProtoMapping {
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
}
