import Foundation
import SwiftProtobuf
import TradewindCore
import TradewindProto

/// Campaigns between the wire and Core. Reading a request collects every bad field; writing a
/// record never fails.
extension ProtoMapping {
    static func adChannel(_ value: Tradewind_V1_Channel) -> AdChannel? {
        switch value {
        case .googleAds: .googleAds
        case .meta: .meta
        case .tiktok: .tiktok
        case .amazonAds: .amazonAds
        case .email, .organic, .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func channel(_ channel: AdChannel) -> Tradewind_V1_Channel {
        ProtoMapping.channel(named: channel.touchpointChannel.rawValue)
    }

    static func objective(_ value: Tradewind_V1_CampaignObjective) -> CampaignObjective? {
        switch value {
        case .awareness: .awareness
        case .traffic: .traffic
        case .leads: .leads
        case .sales: .sales
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func objective(_ value: CampaignObjective) -> Tradewind_V1_CampaignObjective {
        switch value {
        case .awareness: .awareness
        case .traffic: .traffic
        case .leads: .leads
        case .sales: .sales
        }
    }

    static func campaignStatus(_ value: Tradewind_V1_CampaignStatus) -> CampaignStatus? {
        switch value {
        case .draft: .draft
        case .active: .active
        case .paused: .paused
        case .archived: .archived
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func campaignStatus(_ value: CampaignStatus) -> Tradewind_V1_CampaignStatus {
        switch value {
        case .draft: .draft
        case .active: .active
        case .paused: .paused
        case .archived: .archived
        }
    }

    static func callToAction(_ value: Tradewind_V1_CallToAction) -> CallToAction? {
        switch value {
        case .learnMore: .learnMore
        case .shopNow: .shopNow
        case .signUp: .signUp
        case .download: .download
        case .contactUs: .contactUs
        case .bookNow: .bookNow
        case .getQuote: .getQuote
        case .subscribe: .subscribe
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func callToAction(_ value: CallToAction?) -> Tradewind_V1_CallToAction {
        switch value {
        case .learnMore: .learnMore
        case .shopNow: .shopNow
        case .signUp: .signUp
        case .download: .download
        case .contactUs: .contactUs
        case .bookNow: .bookNow
        case .getQuote: .getQuote
        case .subscribe: .subscribe
        case nil: .unspecified
        }
    }

    // MARK: - Requests

    static func budget(_ budget: Tradewind_V1_Budget, field: String, into collector: inout ViolationCollector)
        -> Budget
    {
        var period = Budget.Period.daily
        switch budget.period {
        case .daily: period = .daily
        case .lifetime: period = .lifetime
        case .unspecified, .UNRECOGNIZED: collector.add("\(field).period", enumMessage(budget.period.rawValue))
        }
        return Budget(period: period, amountMicros: budget.amountMicros)
    }

    static func bidStrategy(_ bid: Tradewind_V1_BidStrategy, field: String, into collector: inout ViolationCollector)
        -> BidStrategy
    {
        switch bid.type {
        case .automatic: return .automatic
        case .maximumCostPerClick: return .maximumCostPerClick(micros: bid.amountMicros)
        case .targetCostPerAction: return .targetCostPerAction(micros: bid.amountMicros)
        case .targetReturnOnAdSpend: return .targetReturnOnAdSpend(permille: bid.targetRoasPermille)
        case .UNRECOGNIZED(let raw):
            collector.add("\(field).type", enumMessage(raw))
            return .automatic
        }
    }

    static func day(_ text: String, field: String, into collector: inout ViolationCollector) -> CalendarDay? {
        guard !text.isEmpty else { return nil }
        guard let day = CalendarDay(text) else {
            collector.add(field, "must be a date YYYY-MM-DD")
            return nil
        }
        return day
    }

    /// The campaign tree a request describes; `prefix` is the message's path (`campaign`).
    static func campaignTree(
        _ campaign: Tradewind_V1_Campaign, prefix: String, into collector: inout ViolationCollector
    ) -> CampaignTree {
        let objective = objective(campaign.objective)
        if objective == nil { collector.add("\(prefix).objective", enumMessage(campaign.objective.rawValue)) }
        if !campaign.hasBudget { collector.add("\(prefix).budget", "is required") }
        let spec = CampaignSpec(
            name: campaign.name, objective: objective ?? .traffic,
            budget: budget(campaign.budget, field: "\(prefix).budget", into: &collector),
            bidStrategy: bidStrategy(campaign.bidStrategy, field: "\(prefix).bid_strategy", into: &collector),
            startDay: day(campaign.startDate, field: "\(prefix).start_date", into: &collector),
            endDay: day(campaign.endDate, field: "\(prefix).end_date", into: &collector),
            markets: campaign.markets, languages: campaign.languages,
            productCategory: campaign.productCategory.isEmpty ? nil : campaign.productCategory,
            offerEndDay: day(campaign.offerEndDate, field: "\(prefix).offer_end_date", into: &collector))
        let groups = campaign.adGroups.enumerated().map { g, group in
            adGroup(group, prefix: "\(prefix).ad_groups[\(g)]", into: &collector)
        }
        return CampaignTree(campaign: spec, adGroups: groups)
    }

    static func adGroup(_ group: Tradewind_V1_AdGroup, prefix: String, into collector: inout ViolationCollector)
        -> CampaignTree.AdGroup
    {
        var segments: [UUID] = []
        for (i, text) in group.targeting.segmentIds.enumerated() {
            if let id = uuid(text, field: "\(prefix).targeting.segment_ids[\(i)]", into: &collector) {
                segments.append(id)
            }
        }
        var age: AgeRange?
        if group.targeting.hasAgeRange {
            age = AgeRange(minimum: Int(group.targeting.ageRange.minAge), maximum: Int(group.targeting.ageRange.maxAge))
        }
        let spec = AdGroupSpec(
            name: group.name,
            targeting: Targeting(
                countries: group.targeting.countries, languages: group.targeting.languages, ageRange: age,
                segmentIDs: segments),
            defaultBidMicros: group.hasDefaultBidMicros ? group.defaultBidMicros : nil)
        let ads = group.ads.enumerated().map { a, ad in
            AdSpec(
                name: ad.name, creative: creative(ad.creative, prefix: "\(prefix).ads[\(a)].creative", into: &collector)
            )
        }
        return CampaignTree.AdGroup(spec: spec, ads: ads)
    }

    static func creative(_ creative: Tradewind_V1_Creative, prefix: String, into collector: inout ViolationCollector)
        -> Creative
    {
        var callToAction: CallToAction?
        if creative.callToAction != .unspecified {
            callToAction = self.callToAction(creative.callToAction)
            if callToAction == nil {
                collector.add("\(prefix).call_to_action", enumMessage(creative.callToAction.rawValue))
            }
        }
        var product: ProductReference?
        switch creative.product {
        case .asin(let asin): product = .asin(asin)
        case .sku(let sku): product = .sku(sku)
        case nil: product = nil
        }
        return Creative(
            headlines: creative.headlines, descriptions: creative.descriptions,
            finalURL: creative.finalURL.isEmpty ? nil : creative.finalURL, callToAction: callToAction,
            imageReference: creative.imageReference.isEmpty ? nil : creative.imageReference, product: product)
    }

    static func credentials(_ message: Tradewind_V1_ChannelCredentials) -> ChannelCredentials {
        func value(_ text: String) -> String? { text.isEmpty ? nil : text }
        return ChannelCredentials(
            refreshToken: value(message.refreshToken), accessToken: value(message.accessToken),
            clientID: value(message.clientID), clientSecret: value(message.clientSecret),
            developerToken: value(message.developerToken), loginCustomerID: value(message.loginCustomerID))
    }

    // MARK: - Responses

    static func proto(_ account: ChannelAccountRecord) -> Tradewind_V1_ChannelAccount {
        var message = Tradewind_V1_ChannelAccount()
        message.id = account.id.uuidString.lowercased()
        message.channel = channel(account.identity.channel)
        message.externalID = account.identity.externalID
        message.marketplaceID = account.identity.marketplaceID ?? ""
        message.name = account.profile.name
        message.currency = account.profile.currency
        message.timeZone = account.profile.timeZone
        message.status =
            switch account.status {
            case .active: .active
            case .needsReauthorization: .needsReauthorization
            case .unlinked: .unlinked
            }
        message.statusReason = account.statusReason
        message.credentialFields = account.credentialFields
        message.pageID = account.pageID
        message.pixelID = account.pixelID
        message.linkTime = Google_Protobuf_Timestamp(date: account.linkedAt)
        if let synced = account.metricsSyncedAt { message.metricsSyncTime = Google_Protobuf_Timestamp(date: synced) }
        return message
    }

    static func proto(_ record: CampaignRecord) -> Tradewind_V1_Campaign {
        let spec = record.tree.campaign
        var message = Tradewind_V1_Campaign()
        message.id = record.id.uuidString.lowercased()
        message.accountID = record.accountID.uuidString.lowercased()
        message.channel = channel(record.channel)
        message.name = spec.name
        message.objective = objective(spec.objective)
        message.status = campaignStatus(record.status)
        message.budget.period = spec.budget.period == .daily ? .daily : .lifetime
        message.budget.amountMicros = spec.budget.amountMicros
        message.currency = record.currency
        switch spec.bidStrategy {
        case .automatic: message.bidStrategy.type = .automatic
        case .maximumCostPerClick(let micros):
            message.bidStrategy.type = .maximumCostPerClick
            message.bidStrategy.amountMicros = micros
        case .targetCostPerAction(let micros):
            message.bidStrategy.type = .targetCostPerAction
            message.bidStrategy.amountMicros = micros
        case .targetReturnOnAdSpend(let permille):
            message.bidStrategy.type = .targetReturnOnAdSpend
            message.bidStrategy.targetRoasPermille = permille
        }
        message.startDate = spec.startDay?.description ?? ""
        message.endDate = spec.endDay?.description ?? ""
        message.markets = spec.markets
        message.languages = spec.languages
        message.productCategory = spec.productCategory ?? ""
        message.offerEndDate = spec.offerEndDay?.description ?? ""
        message.adGroups = record.tree.adGroups.enumerated().map { g, group in
            var proto = Tradewind_V1_AdGroup()
            proto.id = record.adGroupIDs.indices.contains(g) ? record.adGroupIDs[g].uuidString.lowercased() : ""
            proto.name = group.spec.name
            proto.targeting.countries = group.spec.targeting.countries
            proto.targeting.languages = group.spec.targeting.languages
            if let age = group.spec.targeting.ageRange {
                proto.targeting.ageRange.minAge = Int32(age.minimum)
                proto.targeting.ageRange.maxAge = Int32(age.maximum)
            }
            proto.targeting.segmentIds = group.spec.targeting.segmentIDs.map { $0.uuidString.lowercased() }
            if let bid = group.spec.defaultBidMicros { proto.defaultBidMicros = bid }
            let published = record.published?.adGroups
            if let published, published.indices.contains(g) { proto.channelAdGroupID = published[g].adGroupID }
            if record.adGroupStatuses.indices.contains(g) { proto.status = campaignStatus(record.adGroupStatuses[g]) }
            proto.ads = group.ads.enumerated().map { a, ad in
                var adProto = Tradewind_V1_Ad()
                if record.adIDs.indices.contains(g), record.adIDs[g].indices.contains(a) {
                    adProto.id = record.adIDs[g][a].uuidString.lowercased()
                }
                if record.adStatuses.indices.contains(g), record.adStatuses[g].indices.contains(a) {
                    adProto.status = campaignStatus(record.adStatuses[g][a])
                }
                adProto.name = ad.name
                adProto.creative.headlines = ad.creative.headlines
                adProto.creative.descriptions = ad.creative.descriptions
                adProto.creative.finalURL = ad.creative.finalURL ?? ""
                adProto.creative.callToAction = callToAction(ad.creative.callToAction)
                adProto.creative.imageReference = ad.creative.imageReference ?? ""
                switch ad.creative.product {
                case .asin(let asin): adProto.creative.asin = asin
                case .sku(let sku): adProto.creative.sku = sku
                case nil: break
                }
                if let published, published.indices.contains(g), published[g].adIDs.indices.contains(a) {
                    adProto.channelAdID = published[g].adIDs[a]
                }
                return adProto
            }
            return proto
        }
        message.etag = record.etag
        message.sync = proto(record.sync)
        message.channelCampaignID = record.published?.campaignID ?? ""
        message.createTime = Google_Protobuf_Timestamp(date: record.createdAt)
        message.updateTime = Google_Protobuf_Timestamp(date: record.updatedAt)
        return message
    }

    static func proto(_ sync: SyncState) -> Tradewind_V1_SyncState {
        var message = Tradewind_V1_SyncState()
        message.state =
            switch sync.kind {
            case .notPublished: .notPublished
            case .pending: .pending
            case .synced: .synced
            case .retrying: .retrying
            case .failed: .failed
            }
        message.operation = sync.operation
        if let next = sync.nextAttemptAt { message.nextAttemptTime = Google_Protobuf_Timestamp(date: next) }
        message.attempts = Int32(clamping: sync.attempts)
        message.errorCode = sync.errorCode
        message.errorMessage = sync.errorMessage
        if let synced = sync.syncedAt { message.syncedTime = Google_Protobuf_Timestamp(date: synced) }
        return message
    }
}
