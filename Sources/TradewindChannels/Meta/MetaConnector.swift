import TradewindCore

/// Meta Marketing API v25.0 on the Graph API: campaign → ad set → ad creative + ad.
///
/// Endpoints: `GET /v25.0/act_<id>` (verify), `POST act_<id>/campaigns|adsets|adcreatives|ads`
/// (publish, one object at a time), `GET act_<id>/campaigns?filtering=…`, `GET /<campaign>/adsets`
/// and `/<campaign>/ads` (find), `POST /<campaign>` (status, budget, name, bid strategy),
/// `POST /<ad set>` (end time, bid amount), `GET act_<id>/insights`
/// (metrics). The reference is a name suffix (` [tw-…]`, ` [tw-…/gN]`, ` [tw-…/gNaM]`): Meta has
/// no external-id field, and `filtering` on `name` with `CONTAIN` finds it. Creates are sequential,
/// so `lookUpFirst` resumes after the last object that exists; a creative whose ad was never
/// created may be made twice (it serves nothing and costs nothing).
struct MetaConnector: ChannelConnector {
    let caller: ChannelCaller
    let endpoints: ChannelEndpoints

    init(transport: any ChannelTransport, endpoints: ChannelEndpoints) {
        self.endpoints = endpoints
        self.caller = ChannelCaller(dialect: MetaDialect(), transport: transport)
    }

    var channel: AdChannel { .meta }

    func violations(of tree: CampaignTree, currency: String, prefix: String) -> [FieldViolation] {
        var collector = ViolationCollector()
        for (g, group) in tree.adGroups.enumerated() {
            let path = "\(prefix).ad_groups[\(g)].targeting"
            for (i, country) in group.spec.targeting.countries.enumerated()
            where TargetingTables.metaCountry(country) == nil {
                collector.add("\(path).countries[\(i)]", "meta: \(country) is not in Tradewind's country table")
            }
            for (i, language) in group.spec.targeting.languages.enumerated()
            where TargetingTables.lookUp(language, in: TargetingTables.metaLocales) == nil {
                collector.add("\(path).languages[\(i)]", "meta has no locale for \(language) in Tradewind's table")
            }
            if let age = group.spec.targeting.ageRange, age.minimum < 18 {
                collector.add(
                    "\(path).age_range", "meta targets ages from 18 in most countries; Tradewind sends 18 and up only")
            }
            if !group.spec.targeting.segmentIDs.isEmpty {
                collector.add("\(path).segment_ids", "meta custom audiences are not synced by Tradewind yet")
            }
        }
        return collector.violations
    }

    func violations(of tree: CampaignTree, in account: ChannelAccount, prefix: String) -> [FieldViolation] {
        var violations = violations(of: tree, currency: account.currency, prefix: prefix)
        if account.settings[ChannelAccount.Setting.metaPageID] == nil {
            violations.append(
                FieldViolation(
                    field: "\(prefix).channel_account",
                    description: "meta needs the Facebook Page the ads are published as (page id)"))
        }
        if [.leads, .sales].contains(tree.campaign.objective),
            account.settings[ChannelAccount.Setting.metaPixelID] == nil
        {
            violations.append(
                FieldViolation(
                    field: "\(prefix).objective",
                    description: "meta optimises leads and sales for a pixel; the account has no pixel id"))
        }
        return violations
    }

    func verify(_ account: ChannelAccountIdentity, session: ChannelSession) async throws(ChannelError)
        -> ChannelAccountProfile
    {
        let body = try await caller.callJSON(
            "adaccount:get",
            WireRequest(
                .get, base: endpoints.meta, path: MetaWire.path(account.externalID),
                query: [("fields", MetaWire.accountFields)], isMutation: false),
            session: session)
        guard let profile = MetaWire.profile(body) else { throw malformed("currency or timezone_name") }
        return profile
    }

    func publish(
        _ tree: CampaignTree, reference: ChannelReference, lookUpFirst: Bool, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> PublishedCampaign {
        guard let pageID = account.settings[ChannelAccount.Setting.metaPageID] else {
            throw .rejected(
                field: "channel_account",
                ChannelErrorDetail(
                    channel: channel, code: nil, message: "meta needs the Facebook Page id of the account"))
        }
        let accountID = account.identity.externalID
        let existing = lookUpFirst ? try await find(reference, in: account, session: session) : nil
        let campaignID: String
        if let existing {
            campaignID = existing.campaignID
        } else {
            campaignID = try await create(
                "campaigns:create", "\(accountID)/campaigns",
                MetaWire.campaignForm(tree.campaign, reference: reference, currency: account.currency), session)
        }
        var groups: [PublishedAdGroup] = []
        for (g, group) in tree.adGroups.enumerated() {
            let found = existing?.adGroups.indices.contains(g) == true ? existing?.adGroups[g] : nil
            let adSetID: String
            if let found, !found.adGroupID.isEmpty {
                adSetID = found.adGroupID
            } else {
                adSetID = try await create(
                    "adsets:create", "\(accountID)/adsets",
                    MetaWire.adSetForm(
                        group.spec, index: g, campaign: tree.campaign, campaignID: campaignID, reference: reference,
                        account: account), session)
            }
            var adIDs = found?.adIDs ?? []
            for (a, ad) in group.ads.enumerated() where a >= adIDs.count {
                let name = ad.name + reference.nameSuffix(group: g, ad: a)
                let creativeID = try await create(
                    "adcreatives:create", "\(accountID)/adcreatives",
                    MetaWire.creativeForm(ad, name: name, pageID: pageID),
                    session)
                adIDs.append(
                    try await create(
                        "ads:create", "\(accountID)/ads",
                        MetaWire.adForm(name: name, adSetID: adSetID, creativeID: creativeID),
                        session))
            }
            groups.append(PublishedAdGroup(adGroupID: adSetID, adIDs: adIDs))
        }
        return PublishedCampaign(campaignID: campaignID, adGroups: groups)
    }

    func find(_ reference: ChannelReference, in account: ChannelAccount, session: ChannelSession)
        async throws(ChannelError) -> PublishedCampaign?
    {
        let campaigns = try await caller.callJSON(
            "campaigns:list",
            WireRequest(
                .get, base: endpoints.meta, path: MetaWire.path("\(account.identity.externalID)/campaigns"),
                query: MetaWire.findCampaignQuery(reference), isMutation: false),
            session: session)
        guard
            let campaign = campaigns["data"]?.arrayValue?.first(where: {
                ReferenceNames.isCampaign($0["name"]?.stringValue ?? "", reference: reference)
            }), let campaignID = campaign["id"]?.stringValue
        else { return nil }
        let adSets = try await list("adsets:list", "\(campaignID)/adsets", fields: "id,name", session)
        let ads = try await list("ads:list", "\(campaignID)/ads", fields: "id,name,adset_id", session)
        var groups: [(Int, String)] = []
        for adSet in adSets {
            guard let id = adSet["id"]?.stringValue, let name = adSet["name"]?.stringValue,
                let index = ReferenceNames.groupIndex(in: name, reference: reference)
            else { continue }
            groups.append((index, id))
        }
        groups.sort { $0.0 < $1.0 }
        // Ad sets keep their tree index; a gap (a group never created) ends the list there, so a
        // resumed publish creates it.
        var published: [PublishedAdGroup] = []
        for (position, (index, id)) in groups.enumerated() where index == position {
            let mine = ads.compactMap { ad -> (Int, String)? in
                guard ad["adset_id"]?.stringValue == id, let adID = ad["id"]?.stringValue,
                    let stamp = ReferenceNames.adIndex(in: ad["name"]?.stringValue ?? "", reference: reference)
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
        guard let value = MetaWire.status(status) else {
            throw .rejected(
                field: "status",
                ChannelErrorDetail(channel: channel, code: nil, message: "a published campaign cannot become a draft"))
        }
        _ = try await caller.call(
            "campaign:update",
            WireRequest(
                .post, base: endpoints.meta, path: MetaWire.path(campaign.campaignID), body: .form([("status", value)]),
                isMutation: true),
            session: session)
    }

    func setBudget(
        _ budget: Budget, of campaign: PublishedCampaign, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        guard let field = MetaWire.budgetField(budget, currency: account.currency) else {
            throw .rejected(
                field: "budget.amount_micros",
                ChannelErrorDetail(
                    channel: channel, code: nil,
                    message: "meta cannot express this amount in \(account.currency) budget units"))
        }
        _ = try await caller.call(
            "campaign:update",
            WireRequest(
                .post, base: endpoints.meta, path: MetaWire.path(campaign.campaignID), body: .form([field]),
                isMutation: true),
            session: session)
    }

    /// Ad sets first: a campaign switched to a capped strategy needs its ad sets' bid amounts.
    func updateSettings(
        of tree: CampaignTree, campaign: PublishedCampaign, reference: ChannelReference, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) {
        for (group, adSet) in zip(tree.adGroups, campaign.adGroups) {
            _ = try await caller.call(
                "adset:update",
                WireRequest(
                    .post, base: endpoints.meta, path: MetaWire.path(adSet.adGroupID),
                    body: .form(MetaWire.adSetSettingsForm(group.spec, campaign: tree.campaign, account: account)),
                    isMutation: true),
                session: session)
        }
        _ = try await caller.call(
            "campaign:update",
            WireRequest(
                .post, base: endpoints.meta, path: MetaWire.path(campaign.campaignID),
                body: .form(MetaWire.campaignSettingsForm(tree.campaign, reference: reference)), isMutation: true),
            session: session)
    }

    func setAdGroupStatus(
        _ status: CampaignStatus, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        try await setObjectStatus(status, of: adGroupID, operation: "adset:update", session: session)
    }

    func setAdStatus(
        _ status: CampaignStatus, adID: String, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        try await setObjectStatus(status, of: adID, operation: "ad:update", session: session)
    }

    /// `POST /<ad set or ad id>` `status`, ACTIVE or PAUSED.
    private func setObjectStatus(
        _ status: CampaignStatus, of objectID: String, operation: String, session: ChannelSession
    )
        async throws(ChannelError)
    {
        guard status == .active || status == .paused, let value = MetaWire.status(status) else {
            throw .rejected(
                field: "status",
                ChannelErrorDetail(channel: channel, code: nil, message: "only made active or paused"))
        }
        _ = try await caller.call(
            operation,
            WireRequest(
                .post, base: endpoints.meta, path: MetaWire.path(objectID), body: .form([("status", value)]),
                isMutation: true),
            session: session)
    }

    func dailyMetrics(
        _ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> [ChannelDailyMetric] {
        var metrics: [ChannelDailyMetric] = []
        var after: String?
        repeat {
            let page = try await caller.callJSON(
                "insights:get",
                WireRequest(
                    .get, base: endpoints.meta, path: MetaWire.path("\(account.identity.externalID)/insights"),
                    query: MetaWire.insightsQuery(level, from: from, through: through, after: after),
                    isMutation: false),
                session: session)
            for row in page["data"]?.arrayValue ?? [] {
                guard let metric = MetaWire.dailyMetric(row, level: level) else { throw malformed("insights row") }
                metrics.append(metric)
            }
            after = page["paging"]?["next"] == nil ? nil : page["paging"]?["cursors"]?["after"]?.stringValue
        } while after != nil
        return metrics
    }

    private func create(_ operation: String, _ edge: String, _ form: [(String, String)], _ session: ChannelSession)
        async throws(ChannelError) -> String
    {
        let body = try await caller.callJSON(
            operation,
            WireRequest(.post, base: endpoints.meta, path: MetaWire.path(edge), body: .form(form), isMutation: true),
            session: session)
        guard let id = body["id"]?.stringValue else { throw malformed("id") }
        return id
    }

    func list(_ operation: String, _ edge: String, fields: String, _ session: ChannelSession)
        async throws(ChannelError) -> [JSONValue]
    {
        var rows: [JSONValue] = []
        var after: String?
        repeat {
            var query: [(String, String)] = [("fields", fields), ("limit", "200")]
            if let after { query.append(("after", after)) }
            let page = try await caller.callJSON(
                operation,
                WireRequest(.get, base: endpoints.meta, path: MetaWire.path(edge), query: query, isMutation: false),
                session: session)
            rows += page["data"]?.arrayValue ?? []
            after = page["paging"]?["next"] == nil ? nil : page["paging"]?["cursors"]?["after"]?.stringValue
        } while after != nil
        return rows
    }

    private func malformed(_ what: String) -> ChannelError {
        .transient(ChannelErrorDetail(channel: channel, code: nil, message: "unexpected response: no \(what)"))
    }
}
