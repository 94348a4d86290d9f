import Foundation

/// The ad texts of a campaign as the copy rules read them: one draft per ad, for the markets its
/// ad group targets.
public struct AdCopy: Sendable, Hashable {
    public var adID: UUID
    public var draft: CopyDraft
    /// The ad group's countries, in its order.
    public var markets: [String]
}

extension CampaignRecord {
    /// Every ad's texts: headlines and descriptions each by index, the landing page, in the
    /// campaign's first language (else its ad group's, else English), for the campaign's channel,
    /// its product category and offer end day. Ads on the channels are ads, never sponsored posts.
    public var adCopies: [AdCopy] {
        let campaign = tree.campaign
        return tree.adGroups.enumerated().flatMap { g, group in
            group.ads.enumerated().compactMap { a, ad -> AdCopy? in
                guard adIDs.indices.contains(g), adIDs[g].indices.contains(a) else { return nil }
                let creative = ad.creative
                var parts = creative.headlines.enumerated().map { CopyPart(field: .headline, index: $0, text: $1) }
                parts += creative.descriptions.enumerated().map { CopyPart(field: .description, index: $0, text: $1) }
                if let url = creative.finalURL { parts.append(CopyPart(field: .landingURL, text: url)) }
                let language = campaign.languages.first ?? group.spec.targeting.languages.first ?? "en"
                let draft = CopyDraft(
                    parts: parts, language: language, category: campaign.productCategory ?? "",
                    offerEndDate: campaign.offerEndDay?.description, channels: [channel.rawValue])
                return AdCopy(adID: adIDs[g][a], draft: draft, markets: group.spec.targeting.countries)
            }
        }
    }
}
