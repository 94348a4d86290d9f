import Foundation
import TradewindCore

/// Google Ads API v21 over REST: Search campaigns with responsive search ads.
///
/// Endpoints: `POST /v21/customers/{id}/googleAds:search` (verify), `…/googleAds:searchStream`
/// (find, metrics), `…/googleAds:mutate` (publish, status, budget), `…/campaigns:mutate` and
/// `…/adGroups:mutate` (name, end date and bids); tokens from
/// `POST {googleOAuth}/token`. The reference is a name suffix ` [tw-…]` on budget and campaign
/// and ` [tw-…/gN]` on ad groups: Google has no external-id field on these resources, and
/// responsive search ads take no name, so ads are found through their ad group. Publishing is one
/// atomic mutate, so a tree is on the channel whole or not at all.
struct GoogleAdsConnector: ChannelConnector {
    let caller: ChannelCaller
    let endpoints: ChannelEndpoints

    init(transport: any ChannelTransport, endpoints: ChannelEndpoints) {
        self.endpoints = endpoints
        self.caller = ChannelCaller(
            dialect: GoogleAdsDialect(tokenEndpoint: endpoints.googleOAuth), transport: transport)
    }

    var channel: AdChannel { .googleAds }

    func violations(of tree: CampaignTree, currency: String, prefix: String) -> [FieldViolation] {
        var collector = ViolationCollector()
        let first = tree.adGroups.first?.spec.targeting
        for (g, group) in tree.adGroups.enumerated() {
            let path = "\(prefix).ad_groups[\(g)].targeting"
            let targeting = group.spec.targeting
            for (i, country) in targeting.countries.enumerated() where TargetingTables.googleGeoTarget(country) == nil {
                collector.add(
                    "\(path).countries[\(i)]", "google_ads has no geo target for \(country) in Tradewind's table")
            }
            for (i, language) in targeting.languages.enumerated()
            where TargetingTables.lookUp(language, in: TargetingTables.googleLanguages) == nil {
                collector.add(
                    "\(path).languages[\(i)]",
                    "google_ads has no language constant for \(language) in Tradewind's table")
            }
            if let first, g > 0,
                Set(first.countries) != Set(targeting.countries) || Set(first.languages) != Set(targeting.languages)
            {
                collector.add(
                    path,
                    "google_ads Search campaigns target countries and languages per campaign; every ad group must target the same ones"
                )
            }
            if let age = targeting.ageRange, age.maximum < 18 {
                collector.add("\(path).age_range", "google_ads targets no one under 18")
            }
            if !targeting.segmentIDs.isEmpty {
                collector.add("\(path).segment_ids", "google_ads audiences are not synced by Tradewind yet")
            }
        }
        return collector.violations
    }

    func verify(_ account: ChannelAccountIdentity, session: ChannelSession) async throws(ChannelError)
        -> ChannelAccountProfile
    {
        let body = try await caller.callJSON(
            "googleAds:search",
            WireRequest(
                .post, base: endpoints.googleAds,
                path: GoogleAdsWire.customerPath(account.externalID) + "/googleAds:search",
                body: .json(GoogleAdsWire.searchBody(GoogleAdsWire.customerQuery())), isMutation: false),
            session: session)
        guard let profile = GoogleAdsWire.profile(body) else { throw malformed("customer") }
        return profile
    }

    func publish(
        _ tree: CampaignTree, reference: ChannelReference, lookUpFirst: Bool, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> PublishedCampaign {
        // The mutate is atomic: whatever exists was created whole, so finding it is enough.
        if lookUpFirst, let existing = try await find(reference, in: account, session: session) { return existing }
        let customerID = account.identity.externalID
        let (body, created) = GoogleAdsWire.publishRequest(
            tree, reference: reference, customerID: customerID, currency: account.currency)
        let response = try await caller.callJSON(
            "googleAds:mutate",
            WireRequest(
                .post, base: endpoints.googleAds, path: GoogleAdsWire.customerPath(customerID) + "/googleAds:mutate",
                body: .json(body), isMutation: true),
            session: session)
        guard let published = GoogleAdsWire.published(response, created: created, groups: tree.adGroups.count) else {
            throw malformed("mutateOperationResponses")
        }
        return published
    }

    func find(_ reference: ChannelReference, in account: ChannelAccount, session: ChannelSession)
        async throws(ChannelError) -> PublishedCampaign?
    {
        let customerID = account.identity.externalID
        let campaigns = try await search(GoogleAdsWire.campaignByReferenceQuery(reference), customerID, session)
        guard let row = campaigns.first, let campaignID = row["campaign"]?["id"]?.numericText else { return nil }
        let budgetID = row["campaignBudget"]?["id"]?.numericText
        let groups = try await search(GoogleAdsWire.adGroupsQuery(campaignID: campaignID), customerID, session)
        let ads = try await search(GoogleAdsWire.adsQuery(campaignID: campaignID), customerID, session)
        var adIDs: [String: [String]] = [:]
        for ad in ads {
            guard let group = ad["adGroup"]?["id"]?.numericText, let id = ad["adGroupAd"]?["ad"]?["id"]?.numericText
            else { continue }
            adIDs[group, default: []].append(id)
        }
        let ordered = groups.compactMap { group -> (Int, String)? in
            guard let id = group["adGroup"]?["id"]?.numericText, let name = group["adGroup"]?["name"]?.stringValue
            else { return nil }
            return (ReferenceNames.groupIndex(in: name, reference: reference) ?? Int.max, id)
        }.sorted { $0.0 < $1.0 }
        return PublishedCampaign(
            campaignID: campaignID, budgetID: budgetID,
            adGroups: ordered.map {
                PublishedAdGroup(adGroupID: $0.1, adIDs: (adIDs[$0.1] ?? []).sorted(by: ReferenceNames.numericOrder))
            })
    }

    func setStatus(
        _ status: CampaignStatus, of campaign: PublishedCampaign, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        let customerID = account.identity.externalID
        guard let body = GoogleAdsWire.statusRequest(status, campaignID: campaign.campaignID, customerID: customerID)
        else { throw draftRefused() }
        _ = try await caller.call(
            "googleAds:mutate",
            WireRequest(
                .post, base: endpoints.googleAds, path: GoogleAdsWire.customerPath(customerID) + "/googleAds:mutate",
                body: .json(body), isMutation: true),
            session: session)
    }

    func setBudget(
        _ budget: Budget, of campaign: PublishedCampaign, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        guard let budgetID = campaign.budgetID else {
            throw .rejected(
                field: "budget_id",
                ChannelErrorDetail(channel: channel, code: nil, message: "the published campaign has no budget id"))
        }
        let customerID = account.identity.externalID
        _ = try await caller.call(
            "googleAds:mutate",
            WireRequest(
                .post, base: endpoints.googleAds, path: GoogleAdsWire.customerPath(customerID) + "/googleAds:mutate",
                body: .json(GoogleAdsWire.budgetRequest(budget, budgetID: budgetID, customerID: customerID)),
                isMutation: true),
            session: session)
    }

    /// Two calls, campaign first: a failure between them is retried whole by the job.
    func updateSettings(
        of tree: CampaignTree, campaign: PublishedCampaign, reference: ChannelReference, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) {
        let customerID = account.identity.externalID
        _ = try await caller.call(
            "googleAds:mutate",
            WireRequest(
                .post, base: endpoints.googleAds, path: GoogleAdsWire.customerPath(customerID) + "/googleAds:mutate",
                body: .json(
                    GoogleAdsWire.campaignSettingsRequest(
                        tree.campaign, reference: reference, campaignID: campaign.campaignID,
                        budgetID: campaign.budgetID, customerID: customerID)),
                isMutation: true),
            session: session)
        guard let bids = GoogleAdsWire.adGroupBidsRequest(tree, campaign: campaign, customerID: customerID) else {
            return
        }
        _ = try await caller.call(
            "adGroups:mutate",
            WireRequest(
                .post, base: endpoints.googleAds, path: GoogleAdsWire.customerPath(customerID) + "/adGroups:mutate",
                body: .json(bids), isMutation: true),
            session: session)
    }

    func dailyMetrics(
        _ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> [ChannelDailyMetric] {
        let response = try await caller.call(
            "googleAds:searchStream",
            searchStream(
                GoogleAdsWire.metricsQuery(level, from: from, through: through), account.identity.externalID),
            session: session)
        guard let metrics = GoogleAdsWire.dailyMetrics(response.body, level: level) else {
            throw malformed("metrics rows")
        }
        return metrics
    }

    func setAdStatus(
        _ status: CampaignStatus, adID: String, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        let customerID = account.identity.externalID
        guard
            let body = GoogleAdsWire.adStatusRequest(
                status, adID: adID, adGroupID: adGroupID, customerID: customerID)
        else { throw draftRefused() }
        _ = try await caller.call(
            "adGroupAds:mutate",
            WireRequest(
                .post, base: endpoints.googleAds, path: GoogleAdsWire.customerPath(customerID) + "/adGroupAds:mutate",
                body: .json(body), isMutation: true),
            session: session)
    }

    func setAdGroupStatus(
        _ status: CampaignStatus, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        let customerID = account.identity.externalID
        guard
            let body = GoogleAdsWire.adGroupStatusRequest(status, adGroupID: adGroupID, customerID: customerID)
        else { throw draftRefused() }
        _ = try await caller.call(
            "adGroups:mutate",
            WireRequest(
                .post, base: endpoints.googleAds, path: GoogleAdsWire.customerPath(customerID) + "/adGroups:mutate",
                body: .json(body), isMutation: true),
            session: session)
    }

    private func search(_ query: String, _ customerID: String, _ session: ChannelSession) async throws(ChannelError)
        -> [JSONValue]
    {
        let body = try await caller.callJSON(
            "googleAds:searchStream", searchStream(query, customerID), session: session)
        return GoogleAdsWire.rows(body)
    }

    private func searchStream(_ query: String, _ customerID: String) -> WireRequest {
        WireRequest(
            .post, base: endpoints.googleAds, path: GoogleAdsWire.customerPath(customerID) + "/googleAds:searchStream",
            body: .json(GoogleAdsWire.searchBody(query)), isMutation: false)
    }

    private func malformed(_ what: String) -> ChannelError {
        .transient(ChannelErrorDetail(channel: channel, code: nil, message: "unexpected response: no \(what)"))
    }

    private func draftRefused() -> ChannelError {
        .rejected(
            field: "status",
            ChannelErrorDetail(channel: channel, code: nil, message: "a published campaign cannot become a draft"))
    }
}
