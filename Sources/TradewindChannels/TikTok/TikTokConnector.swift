import Foundation
import TradewindCore

/// TikTok Business API v1.3: campaign → ad group → ad (single image).
///
/// Endpoints: `GET /open_api/v1.3/advertiser/info/` (verify), `POST campaign/create/`,
/// `adgroup/create/`, `ad/create/` (publish, one object at a time), `GET campaign/get/`,
/// `adgroup/get/`, `ad/get/` (find), `POST campaign/status/update/` (status),
/// `POST campaign/update/` (budget, name), `POST adgroup/update/` (bid, end of the schedule),
/// `GET report/integrated/get/` (metrics). The reference is a
/// name suffix (` [tw-…]`, ` [tw-…/gN]`, ` [tw-…/gNaM]`), found with `filtering.campaign_name`.
struct TikTokConnector: ChannelConnector {
    let caller: ChannelCaller
    let endpoints: ChannelEndpoints
    /// TikTok's synchronous report takes at most 30 days with the day dimension.
    static let reportDays: Int64 = 30

    init(transport: any ChannelTransport, endpoints: ChannelEndpoints) {
        self.endpoints = endpoints
        self.caller = ChannelCaller(dialect: TikTokDialect(), transport: transport)
    }

    var channel: AdChannel { .tiktok }

    func violations(of tree: CampaignTree, currency: String, prefix: String) -> [FieldViolation] {
        var collector = ViolationCollector()
        for (g, group) in tree.adGroups.enumerated() {
            let path = "\(prefix).ad_groups[\(g)].targeting"
            for (i, country) in group.spec.targeting.countries.enumerated()
            where TargetingTables.tiktokLocation(country) == nil {
                collector.add(
                    "\(path).countries[\(i)]",
                    "tiktok has no location id for \(country) (TikTok does not deliver there or it is not in Tradewind's table)"
                )
            }
            for (i, language) in group.spec.targeting.languages.enumerated()
            where TargetingTables.lookUp(language, in: TargetingTables.tiktokLanguages) == nil {
                collector.add(
                    "\(path).languages[\(i)]", "tiktok has no language code for \(language) in Tradewind's table")
            }
            if !group.spec.targeting.segmentIDs.isEmpty {
                collector.add("\(path).segment_ids", "tiktok audiences are not synced by Tradewind yet")
            }
        }
        return collector.violations
    }

    func violations(of tree: CampaignTree, in account: ChannelAccount, prefix: String) -> [FieldViolation] {
        var violations = violations(of: tree, currency: account.currency, prefix: prefix)
        if account.settings[ChannelAccount.Setting.tiktokIdentityID] == nil,
            tree.adGroups.contains(where: { !$0.ads.isEmpty })
        {
            violations.append(
                FieldViolation(
                    field: "\(prefix).channel_account",
                    description: "tiktok needs the identity the ads are published as (identity id)"))
        }
        return violations
    }

    func verify(_ account: ChannelAccountIdentity, session: ChannelSession) async throws(ChannelError)
        -> ChannelAccountProfile
    {
        let body = try await caller.callJSON(
            "advertiser:info",
            WireRequest(
                .get, base: endpoints.tiktok, path: TikTokWire.path("advertiser/info/"),
                query: [
                    ("advertiser_ids", JSONValue.array([.string(account.externalID)]).serialized),
                    (
                        "fields",
                        JSONValue.array(["name", "currency", "timezone", "display_timezone"].map { .string($0) })
                            .serialized
                    ),
                ], isMutation: false),
            session: session)
        guard let profile = TikTokWire.profile(body) else {
            throw .notFound(
                ChannelErrorDetail(
                    channel: channel, code: nil,
                    message: "advertiser \(account.externalID) is not visible with this token"))
        }
        return profile
    }

    func publish(
        _ tree: CampaignTree, reference: ChannelReference, lookUpFirst: Bool, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> PublishedCampaign {
        let advertiserID = account.identity.externalID
        let existing = lookUpFirst ? try await find(reference, in: account, session: session) : nil
        let campaignID: String
        if let existing {
            campaignID = existing.campaignID
        } else {
            let data = try await create(
                "campaign:create", "campaign/create/",
                TikTokWire.campaignBody(
                    tree.campaign, reference: reference, advertiserID: advertiserID, currency: account.currency),
                session)
            guard let id = data["campaign_id"]?.numericText else { throw malformed("campaign_id") }
            campaignID = id
        }
        var groups: [PublishedAdGroup] = []
        for (g, group) in tree.adGroups.enumerated() {
            let found = existing?.adGroups.indices.contains(g) == true ? existing?.adGroups[g] : nil
            let adGroupID: String
            if let found {
                adGroupID = found.adGroupID
            } else {
                let data = try await create(
                    "adgroup:create", "adgroup/create/",
                    TikTokWire.adGroupBody(
                        group.spec, index: g, campaign: tree.campaign, campaignID: campaignID, reference: reference,
                        account: account,
                        today: CalendarDay(session.now(), in: AccountCalendar.zone(account.timeZone))),
                    session)
                guard let id = data["adgroup_id"]?.numericText else { throw malformed("adgroup_id") }
                adGroupID = id
            }
            var adIDs = found?.adIDs ?? []
            for (a, ad) in group.ads.enumerated() where a >= adIDs.count {
                let data = try await create(
                    "ad:create", "ad/create/",
                    TikTokWire.adBody(
                        ad, name: ad.name + reference.nameSuffix(group: g, ad: a), adGroupID: adGroupID,
                        account: account),
                    session)
                guard let id = data["ad_ids"]?[0]?.numericText else { throw malformed("ad_ids") }
                adIDs.append(id)
            }
            groups.append(PublishedAdGroup(adGroupID: adGroupID, adIDs: adIDs))
        }
        return PublishedCampaign(campaignID: campaignID, adGroups: groups)
    }

    func find(_ reference: ChannelReference, in account: ChannelAccount, session: ChannelSession)
        async throws(ChannelError) -> PublishedCampaign?
    {
        let advertiserID = account.identity.externalID
        let body = try await caller.callJSON(
            "campaign:get",
            WireRequest(
                .get, base: endpoints.tiktok, path: TikTokWire.path("campaign/get/"),
                query: TikTokWire.findCampaignQuery(reference, advertiserID: advertiserID), isMutation: false),
            session: session)
        guard
            let campaign = body["data"]?["list"]?.arrayValue?.first(where: {
                ReferenceNames.isCampaign($0["campaign_name"]?.stringValue ?? "", reference: reference)
                    && $0["operation_status"]?.stringValue != "DELETE"
            }), let campaignID = campaign["campaign_id"]?.numericText
        else { return nil }
        let adGroups = try await listAll(
            "adgroup:get", "adgroup/get/", campaignID: campaignID, advertiserID: advertiserID, session)
        let ads = try await listAll("ad:get", "ad/get/", campaignID: campaignID, advertiserID: advertiserID, session)
        let indexed = adGroups.compactMap { group -> (Int, String)? in
            guard let id = group["adgroup_id"]?.numericText,
                let index = ReferenceNames.groupIndex(
                    in: group["adgroup_name"]?.stringValue ?? "", reference: reference)
            else { return nil }
            return (index, id)
        }.sorted { $0.0 < $1.0 }
        var published: [PublishedAdGroup] = []
        for (position, (index, id)) in indexed.enumerated() where index == position {
            let mine = ads.compactMap { ad -> (Int, String)? in
                guard ad["adgroup_id"]?.numericText == id, let adID = ad["ad_id"]?.numericText,
                    let stamp = ReferenceNames.adIndex(in: ad["ad_name"]?.stringValue ?? "", reference: reference)
                else { return nil }
                return (stamp.ad, adID)
            }.sorted { $0.0 < $1.0 }
            var adIDs: [String] = []
            for (position, (index, adID)) in mine.enumerated() where index == position { adIDs.append(adID) }
            published.append(PublishedAdGroup(adGroupID: id, adIDs: adIDs))
        }
        return PublishedCampaign(campaignID: campaignID, adGroups: published)
    }

    func setStatus(
        _ status: CampaignStatus, of campaign: PublishedCampaign, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        guard let value = TikTokWire.operationStatus(status) else {
            throw .rejected(
                field: "status",
                ChannelErrorDetail(channel: channel, code: nil, message: "a published campaign cannot become a draft"))
        }
        _ = try await create(
            "campaign:status:update", "campaign/status/update/",
            .object([
                ("advertiser_id", .string(account.identity.externalID)),
                ("campaign_ids", .array([.string(campaign.campaignID)])),
                ("operation_status", .string(value)),
            ]), session)
    }

    func setBudget(
        _ budget: Budget, of campaign: PublishedCampaign, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        _ = try await create(
            "campaign:update", "campaign/update/",
            .object([
                ("advertiser_id", .string(account.identity.externalID)), ("campaign_id", .string(campaign.campaignID)),
                ("budget", WireMoney.decimalNumber(micros: budget.amountMicros, currency: account.currency)),
            ]), session)
    }

    func updateSettings(
        of tree: CampaignTree, campaign: PublishedCampaign, reference: ChannelReference, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) {
        _ = try await create(
            "campaign:update", "campaign/update/",
            TikTokWire.campaignSettingsBody(
                tree.campaign, reference: reference, campaignID: campaign.campaignID,
                advertiserID: account.identity.externalID), session)
        for (group, published) in zip(tree.adGroups, campaign.adGroups) {
            _ = try await create(
                "adgroup:update", "adgroup/update/",
                TikTokWire.adGroupSettingsBody(
                    group.spec, campaign: tree.campaign, adGroupID: published.adGroupID, account: account), session)
        }
    }

    func setAdGroupStatus(
        _ status: CampaignStatus, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        guard status == .active || status == .paused, let value = TikTokWire.operationStatus(status) else {
            throw .rejected(
                field: "status",
                ChannelErrorDetail(channel: channel, code: nil, message: "an ad group is only enabled or disabled"))
        }
        _ = try await create(
            "adgroup:status:update", "adgroup/status/update/",
            TikTokWire.adGroupStatusBody(value, adGroupID: adGroupID, advertiserID: account.identity.externalID),
            session)
    }

    func setAdStatus(
        _ status: CampaignStatus, adID: String, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        guard status == .active || status == .paused, let value = TikTokWire.operationStatus(status) else {
            throw .rejected(
                field: "status",
                ChannelErrorDetail(channel: channel, code: nil, message: "an ad is only enabled or disabled"))
        }
        _ = try await create(
            "ad:status:update", "ad/status/update/",
            TikTokWire.adStatusBody(value, adID: adID, advertiserID: account.identity.externalID), session)
    }

    func dailyMetrics(
        _ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> [ChannelDailyMetric] {
        var metrics: [ChannelDailyMetric] = []
        for (start, end) in AccountCalendar.chunks(from: from, through: through, days: Self.reportDays) {
            var page = 1
            while true {
                let body = try await caller.callJSON(
                    "report:integrated:get",
                    WireRequest(
                        .get, base: endpoints.tiktok, path: TikTokWire.path("report/integrated/get/"),
                        query: TikTokWire.reportQuery(
                            level, from: start, through: end, advertiserID: account.identity.externalID, page: page),
                        isMutation: false),
                    session: session)
                for row in body["data"]?["list"]?.arrayValue ?? [] {
                    guard let metric = TikTokWire.dailyMetric(row, level: level) else {
                        throw malformed("report row")
                    }
                    metrics.append(metric)
                }
                let total = body["data"]?["page_info"]?["total_page"]?.int64Value ?? 1
                if Int64(page) >= total { break }
                page += 1
            }
        }
        return metrics
    }

    /// A write: the envelope's `data`.
    func create(_ operation: String, _ path: String, _ body: JSONValue, _ session: ChannelSession)
        async throws(ChannelError) -> JSONValue
    {
        let response = try await caller.callJSON(
            operation,
            WireRequest(
                .post, base: endpoints.tiktok, path: TikTokWire.path(path), body: .json(body), isMutation: true),
            session: session)
        return response["data"] ?? .null
    }

    private func listAll(
        _ operation: String, _ path: String, campaignID: String, advertiserID: String, _ session: ChannelSession
    ) async throws(ChannelError) -> [JSONValue] {
        var rows: [JSONValue] = []
        var page = 1
        while true {
            let body = try await caller.callJSON(
                operation,
                WireRequest(
                    .get, base: endpoints.tiktok, path: TikTokWire.path(path),
                    query: TikTokWire.childrenQuery(campaignID: campaignID, advertiserID: advertiserID, page: page),
                    isMutation: false),
                session: session)
            rows += body["data"]?["list"]?.arrayValue ?? []
            if Int64(page) >= body["data"]?["page_info"]?["total_page"]?.int64Value ?? 1 { break }
            page += 1
        }
        return rows
    }

    private func malformed(_ what: String) -> ChannelError {
        .transient(ChannelErrorDetail(channel: channel, code: nil, message: "unexpected response: no \(what)"))
    }
}
