import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// Events as sent, and the channel and touchpoint enums.
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
