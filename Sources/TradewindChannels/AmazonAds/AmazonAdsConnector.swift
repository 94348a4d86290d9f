import Foundation
import TradewindCore

/// Amazon Ads Sponsored Products v3 (auto-targeted campaigns with product ads) and reporting v3.
///
/// Endpoints, on the marketplace's regional host: `GET /v2/profiles/{id}` (verify),
/// `POST /sp/campaigns`, `/sp/adGroups`, `/sp/productAds` (publish, 207 per item),
/// `POST /sp/campaigns/list`, `/sp/adGroups/list`, `/sp/productAds/list` (find),
/// `PUT /sp/campaigns` and `POST /sp/campaigns/delete` (status, budget, name, bidding, end date),
/// `PUT /sp/adGroups` (default bids), `POST /reporting/reports`
/// + `GET /reporting/reports/{id}` + the pre-signed download (metrics); tokens from Login with
/// Amazon `POST /auth/o2/token`. The reference is a name suffix on campaign and ad groups (the
/// list endpoints filter by name) and the campaign's `tags.tradewind_reference`; product ads have
/// no name and are matched by ASIN or SKU within their ad group.
struct AmazonAdsConnector: ChannelConnector {
    let transport: any ChannelTransport
    let endpoints: ChannelEndpoints
    let configuration: ChannelClientConfiguration
    /// spCampaigns reports cover at most 31 days.
    static let reportDays: Int64 = 31

    var channel: AdChannel { .amazonAds }

    func caller(_ marketplaceID: String?) -> ChannelCaller {
        ChannelCaller(
            dialect: AmazonAdsDialect(tokenEndpoint: endpoints.amazonAuth(marketplaceID: marketplaceID)),
            transport: transport)
    }

    func request(
        _ method: WireRequest.Method, _ path: String, _ identity: ChannelAccountIdentity, body: JSONValue? = nil,
        contentType: String? = nil, isMutation: Bool
    ) -> WireRequest {
        var request = WireRequest(
            method, base: endpoints.amazonAds(marketplaceID: identity.marketplaceID), path: path,
            headers: [("Amazon-Advertising-API-Scope", identity.externalID)], isMutation: isMutation)
        if let body {
            let type = contentType ?? "application/json"
            request.body = .json(body, contentType: type)
            request.setHeader("Accept", type)
        }
        return request
    }

    func violations(of tree: CampaignTree, currency: String, prefix: String) -> [FieldViolation] {
        var collector = ViolationCollector()
        for (g, group) in tree.adGroups.enumerated() {
            let path = "\(prefix).ad_groups[\(g)].targeting"
            let targeting = group.spec.targeting
            // Sponsored Products serve in the profile's marketplace only; ad groups target no geography.
            if !targeting.languages.isEmpty {
                collector.add("\(path).languages", "amazon_ads ad groups target no languages")
            }
            if targeting.ageRange != nil { collector.add("\(path).age_range", "amazon_ads ad groups target no ages") }
            if !targeting.segmentIDs.isEmpty {
                collector.add("\(path).segment_ids", "amazon_ads Sponsored Products take no audiences")
            }
        }
        return collector.violations
    }

    func violations(of tree: CampaignTree, in account: ChannelAccount, prefix: String) -> [FieldViolation] {
        var violations = violations(of: tree, currency: account.currency, prefix: prefix)
        if let marketplace = account.identity.marketplaceID,
            let country = AmazonAdsRegion.marketplaces[marketplace]?.country
        {
            for (g, group) in tree.adGroups.enumerated() {
                for (i, target) in group.spec.targeting.countries.enumerated() where target != country {
                    violations.append(
                        FieldViolation(
                            field: "\(prefix).ad_groups[\(g)].targeting.countries[\(i)]",
                            description: "amazon_ads serves this profile's ads in \(country) only"))
                }
            }
        } else {
            violations.append(
                FieldViolation(
                    field: "\(prefix).channel_account",
                    description: "amazon_ads: the profile's marketplace is not in Tradewind's table"))
        }
        return violations
    }

    func verify(_ account: ChannelAccountIdentity, session: ChannelSession) async throws(ChannelError)
        -> ChannelAccountProfile
    {
        var get = request(.get, "/v2/profiles/\(account.externalID)", account, isMutation: false)
        get.headers.removeAll { $0.0 == "Amazon-Advertising-API-Scope" }
        let body = try await caller(account.marketplaceID).callJSON("profiles:get", get, session: session)
        guard let profile = AmazonAdsWire.profile(body) else { throw malformed("currencyCode or timezone") }
        if let expected = account.marketplaceID, let actual = body["accountInfo"]?["marketplaceStringId"]?.stringValue,
            expected != actual
        {
            throw .rejected(
                field: "marketplace_id",
                ChannelErrorDetail(
                    channel: channel, code: nil,
                    message: "profile \(account.externalID) advertises in marketplace \(actual), not \(expected)"))
        }
        return profile
    }

    func publish(
        _ tree: CampaignTree, reference: ChannelReference, lookUpFirst: Bool, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> PublishedCampaign {
        let identity = account.identity
        let caller = caller(identity.marketplaceID)
        let existing = lookUpFirst ? try await find(reference, in: account, session: session) : nil
        let existingAds =
            lookUpFirst && existing != nil
            ? try await productAds(existing?.campaignID ?? "", identity, caller, session) : []
        let campaignID: String
        if let existing {
            campaignID = existing.campaignID
        } else {
            let body = try await caller.callJSON(
                "sp/campaigns:create",
                request(
                    .post, "/sp/campaigns", identity,
                    body: AmazonAdsWire.campaignBody(tree.campaign, reference: reference, currency: account.currency),
                    contentType: AmazonAdsWire.campaignType, isMutation: true),
                session: session)
            campaignID = try single(
                AmazonAdsWire.itemResults(body, entities: "campaigns", idKey: "campaignId", count: 1), field: "campaign"
            )[0]
        }
        // Ad groups: the ones found keep their ids; the rest are created in one request.
        var groupIDs = [String?](repeating: nil, count: tree.adGroups.count)
        for (g, group) in (existing?.adGroups ?? []).enumerated() where g < groupIDs.count {
            groupIDs[g] = group.adGroupID
        }
        let missingGroups = tree.adGroups.indices.filter { groupIDs[$0] == nil }
        if !missingGroups.isEmpty {
            let body = try await caller.callJSON(
                "sp/adGroups:create",
                request(
                    .post, "/sp/adGroups", identity,
                    body: AmazonAdsWire.adGroupsBody(
                        missingGroups.map { ($0, tree.adGroups[$0].spec) }, campaignID: campaignID,
                        reference: reference, currency: account.currency),
                    contentType: AmazonAdsWire.adGroupType, isMutation: true),
                session: session)
            let ids = try single(
                AmazonAdsWire.itemResults(body, entities: "adGroups", idKey: "adGroupId", count: missingGroups.count),
                field: "ad_groups", indexes: missingGroups)
            for (position, g) in missingGroups.enumerated() { groupIDs[g] = ids[position] }
        }
        // Product ads: an ad exists when its ad group already advertises the same product.
        var adIDs = [[String?]](repeating: [], count: tree.adGroups.count)
        var missingAds: [(group: Int, ad: Int, adGroupID: String, product: ProductReference)] = []
        for (g, group) in tree.adGroups.enumerated() {
            let adGroupID = groupIDs[g] ?? ""
            adIDs[g] = [String?](repeating: nil, count: group.ads.count)
            for (a, ad) in group.ads.enumerated() {
                guard let product = ad.creative.product else { continue }
                if let found = existingAds.first(where: { $0.adGroupID == adGroupID && $0.product == product }) {
                    adIDs[g][a] = found.adID
                } else {
                    missingAds.append((g, a, adGroupID, product))
                }
            }
        }
        if !missingAds.isEmpty {
            let body = try await caller.callJSON(
                "sp/productAds:create",
                request(
                    .post, "/sp/productAds", identity,
                    body: AmazonAdsWire.productAdsBody(
                        missingAds.map { ($0.adGroupID, $0.product) }, campaignID: campaignID),
                    contentType: AmazonAdsWire.productAdType, isMutation: true),
                session: session)
            let results = AmazonAdsWire.itemResults(
                body, entities: "productAds", idKey: "adId", count: missingAds.count)
            for (position, item) in missingAds.enumerated() {
                switch results[position] {
                case .success(let id): adIDs[item.group][item.ad] = id
                case .failure(let code, let message, let location):
                    throw .rejected(
                        field: "ad_groups[\(item.group)].ads[\(item.ad)]" + (location.map { " (\($0))" } ?? ""),
                        ChannelErrorDetail(channel: channel, code: code, message: message))
                case nil:
                    throw malformed("product ad result \(position)")
                }
            }
        }
        return PublishedCampaign(
            campaignID: campaignID,
            adGroups: tree.adGroups.indices.map {
                PublishedAdGroup(adGroupID: groupIDs[$0] ?? "", adIDs: adIDs[$0].compactMap { $0 })
            })
    }

    func find(_ reference: ChannelReference, in account: ChannelAccount, session: ChannelSession)
        async throws(ChannelError) -> PublishedCampaign?
    {
        let identity = account.identity
        let caller = caller(identity.marketplaceID)
        let body = try await caller.callJSON(
            "sp/campaigns:list",
            request(
                .post, "/sp/campaigns/list", identity, body: AmazonAdsWire.findCampaignBody(reference),
                contentType: AmazonAdsWire.campaignType, isMutation: false),
            session: session)
        guard
            let campaign = body["campaigns"]?.arrayValue?.first(where: {
                ReferenceNames.isCampaign($0["name"]?.stringValue ?? "", reference: reference)
                    || $0["tags"]?[AmazonAdsWire.referenceTag]?.stringValue == reference.value
            }), let campaignID = campaign["campaignId"]?.numericText
        else { return nil }
        let groups = try await list(
            "sp/adGroups:list", "/sp/adGroups/list", AmazonAdsWire.adGroupType, entities: "adGroups", campaignID,
            identity, caller, session)
        let ads = try await productAds(campaignID, identity, caller, session)
        let indexed = groups.compactMap { group -> (Int, String)? in
            guard let id = group["adGroupId"]?.numericText,
                let index = ReferenceNames.groupIndex(in: group["name"]?.stringValue ?? "", reference: reference)
            else { return nil }
            return (index, id)
        }.sorted { $0.0 < $1.0 }
        var published: [PublishedAdGroup] = []
        for (position, (index, id)) in indexed.enumerated() where index == position {
            published.append(
                PublishedAdGroup(
                    adGroupID: id,
                    adIDs: ads.filter { $0.adGroupID == id }.map(\.adID).sorted(by: ReferenceNames.numericOrder)))
        }
        return PublishedCampaign(campaignID: campaignID, adGroups: published)
    }

    func setStatus(
        _ status: CampaignStatus, of campaign: PublishedCampaign, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        let identity = account.identity
        let caller = caller(identity.marketplaceID)
        let body: JSONValue
        switch status {
        case .active, .paused:
            body = try await caller.callJSON(
                "sp/campaigns:update",
                request(
                    .put, "/sp/campaigns", identity,
                    body: AmazonAdsWire.stateUpdateBody(
                        campaignID: campaign.campaignID, state: AmazonAdsWire.state(status) ?? ""),
                    contentType: AmazonAdsWire.campaignType, isMutation: true),
                session: session)
        case .archived:
            // Create and update take only ENABLED and PAUSED; archiving is the delete operation.
            body = try await caller.callJSON(
                "sp/campaigns:delete",
                request(
                    .post, "/sp/campaigns/delete", identity,
                    body: AmazonAdsWire.deleteBody(campaignID: campaign.campaignID),
                    contentType: AmazonAdsWire.campaignType, isMutation: true),
                session: session)
        case .draft:
            throw .rejected(
                field: "status",
                ChannelErrorDetail(channel: channel, code: nil, message: "a published campaign cannot become a draft"))
        }
        _ = try single(
            AmazonAdsWire.itemResults(body, entities: "campaigns", idKey: "campaignId", count: 1), field: "campaign")
    }

    func setBudget(
        _ budget: Budget, of campaign: PublishedCampaign, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        let identity = account.identity
        let body = try await caller(identity.marketplaceID).callJSON(
            "sp/campaigns:update",
            request(
                .put, "/sp/campaigns", identity,
                body: AmazonAdsWire.budgetUpdateBody(
                    campaignID: campaign.campaignID, budget: budget, currency: account.currency),
                contentType: AmazonAdsWire.campaignType, isMutation: true),
            session: session)
        _ = try single(
            AmazonAdsWire.itemResults(body, entities: "campaigns", idKey: "campaignId", count: 1),
            field: "campaign.budget")
    }

    func updateSettings(
        of tree: CampaignTree, campaign: PublishedCampaign, reference: ChannelReference, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) {
        let identity = account.identity
        let caller = caller(identity.marketplaceID)
        let body = try await caller.callJSON(
            "sp/campaigns:update",
            request(
                .put, "/sp/campaigns", identity,
                body: AmazonAdsWire.campaignSettingsBody(
                    tree.campaign, reference: reference, campaignID: campaign.campaignID),
                contentType: AmazonAdsWire.campaignType, isMutation: true),
            session: session)
        _ = try single(
            AmazonAdsWire.itemResults(body, entities: "campaigns", idKey: "campaignId", count: 1), field: "campaign")
        let groups = min(tree.adGroups.count, campaign.adGroups.count)
        guard groups > 0 else { return }
        let answer = try await caller.callJSON(
            "sp/adGroups:update",
            request(
                .put, "/sp/adGroups", identity,
                body: AmazonAdsWire.adGroupBidsBody(tree, campaign: campaign, currency: account.currency),
                contentType: AmazonAdsWire.adGroupType, isMutation: true),
            session: session)
        _ = try single(
            AmazonAdsWire.itemResults(answer, entities: "adGroups", idKey: "adGroupId", count: groups),
            field: "ad_groups", indexes: Array(0..<groups))
    }

    func setAdGroupStatus(
        _ status: CampaignStatus, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        guard status == .active || status == .paused, let state = AmazonAdsWire.state(status) else {
            throw .rejected(
                field: "status",
                ChannelErrorDetail(channel: channel, code: nil, message: "an ad group is only enabled or paused"))
        }
        let identity = account.identity
        let body = try await caller(identity.marketplaceID).callJSON(
            "sp/adGroups:update",
            request(
                .put, "/sp/adGroups", identity,
                body: AmazonAdsWire.adGroupStateBody(adGroupID: adGroupID, state: state),
                contentType: AmazonAdsWire.adGroupType, isMutation: true),
            session: session)
        _ = try single(
            AmazonAdsWire.itemResults(body, entities: "adGroups", idKey: "adGroupId", count: 1), field: "ad_group")
    }

    func setAdStatus(
        _ status: CampaignStatus, adID: String, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) {
        guard status == .active || status == .paused, let state = AmazonAdsWire.state(status) else {
            throw .rejected(
                field: "status",
                ChannelErrorDetail(channel: channel, code: nil, message: "a product ad is only enabled or paused"))
        }
        let identity = account.identity
        let body = try await caller(identity.marketplaceID).callJSON(
            "sp/productAds:update",
            request(
                .put, "/sp/productAds", identity, body: AmazonAdsWire.productAdStateBody(adID: adID, state: state),
                contentType: AmazonAdsWire.productAdType, isMutation: true),
            session: session)
        _ = try single(AmazonAdsWire.itemResults(body, entities: "productAds", idKey: "adId", count: 1), field: "ad")
    }

    func dailyMetrics(
        _ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> [ChannelDailyMetric] {
        var metrics: [ChannelDailyMetric] = []
        for (start, end) in AccountCalendar.chunks(from: from, through: through, days: Self.reportDays) {
            metrics += try await report(level, from: start, through: end, account: account, session: session)
        }
        return metrics
    }

    /// Creates the report (or, on 425, reuses the one Amazon names), polls it with doubling
    /// delays within `reportMaximumWait`, then downloads the pre-signed URL without credentials.
    private func report(
        _ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay, account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> [ChannelDailyMetric] {
        let identity = account.identity
        let caller = caller(identity.marketplaceID)
        var create = request(
            .post, "/reporting/reports", identity,
            body: AmazonAdsWire.reportBody(
                level, from: from, through: through, name: "tradewind \(level.rawValue) \(from) \(through)"),
            contentType: AmazonAdsWire.reportRequestType, isMutation: true)
        create.setHeader("Accept", "application/vnd.createasyncreportresponse.v3+json")
        let response = try await caller.call("reporting/reports:create", create, session: session)
        let created = response.json
        guard
            let reportID = response.status == 425
                ? created.flatMap(AmazonAdsWire.duplicateReportID) : created?["reportId"]?.stringValue
        else { throw malformed("reportId") }
        var delay = configuration.reportPollInitialDelay
        let deadline = ContinuousClock.now + configuration.reportMaximumWait
        while true {
            var poll = request(.get, "/reporting/reports/\(reportID)", identity, isMutation: false)
            poll.setHeader("Accept", "application/vnd.getasyncreportresponse.v3+json")
            let status = try await caller.callJSON("reporting/reports:get", poll, session: session)
            switch status["status"]?.stringValue {
            case "COMPLETED":
                guard let url = status["url"]?.stringValue, let location = URL(string: url) else {
                    throw malformed("url")
                }
                return try await download(location, level: level, caller: caller, session: session)
            case "FAILED":
                throw .rejected(
                    field: nil,
                    ChannelErrorDetail(
                        channel: channel, code: "FAILED",
                        message: status["failureReason"]?.stringValue ?? "the report failed"))
            default:
                guard ContinuousClock.now + delay < deadline else {
                    throw .transient(
                        ChannelErrorDetail(
                            channel: channel, code: status["status"]?.stringValue,
                            message: "report \(reportID) not ready in time"))
                }
                do { try await Task.sleep(for: delay) } catch {
                    throw .transient(
                        ChannelErrorDetail(
                            channel: channel, code: nil, message: "cancelled while waiting for report \(reportID)"))
                }
                delay = min(delay * 2, configuration.reportPollMaximumDelay)
            }
        }
    }

    private func download(
        _ location: URL, level: ChannelMetricLevel, caller: ChannelCaller, session: ChannelSession
    ) async throws(ChannelError) -> [ChannelDailyMetric] {
        // A pre-signed S3 URL: no Amazon Ads headers, and its signature stays out of the observer.
        var get = WireRequest(.get, base: location, path: "", isMutation: false)
        get.isAuthenticated = false
        let response = try await caller.call("reporting/reports:download", get, session: session)
        let bytes = Gunzip.isGzip(response.body) ? Gunzip.inflate(response.body) : response.body
        guard let bytes, let metrics = AmazonAdsWire.dailyMetrics(bytes, level: level) else {
            throw malformed("report rows")
        }
        return metrics
    }

    private struct ProductAd {
        var adID: String
        var adGroupID: String
        var product: ProductReference
    }

    private func productAds(
        _ campaignID: String, _ identity: ChannelAccountIdentity, _ caller: ChannelCaller, _ session: ChannelSession
    )
        async throws(ChannelError) -> [ProductAd]
    {
        let rows = try await list(
            "sp/productAds:list", "/sp/productAds/list", AmazonAdsWire.productAdType, entities: "productAds",
            campaignID, identity, caller, session)
        return rows.compactMap { row in
            guard let id = row["adId"]?.numericText, let group = row["adGroupId"]?.numericText else { return nil }
            if let asin = row["asin"]?.stringValue, row["sku"]?.stringValue == nil {
                return ProductAd(adID: id, adGroupID: group, product: .asin(asin))
            }
            if let sku = row["sku"]?.stringValue { return ProductAd(adID: id, adGroupID: group, product: .sku(sku)) }
            return nil
        }
    }

    private func list(
        _ operation: String, _ path: String, _ type: String, entities: String, _ campaignID: String,
        _ identity: ChannelAccountIdentity,
        _ caller: ChannelCaller, _ session: ChannelSession
    ) async throws(ChannelError) -> [JSONValue] {
        var rows: [JSONValue] = []
        var next: String?
        repeat {
            let body = try await caller.callJSON(
                operation,
                request(
                    .post, path, identity, body: AmazonAdsWire.byCampaignBody(campaignID, nextToken: next),
                    contentType: type, isMutation: false),
                session: session)
            rows += body[entities]?.arrayValue ?? []
            next = body["nextToken"]?.stringValue
        } while next != nil
        return rows
    }

    /// The ids of a 207 answer, or the first item's refusal as `rejected` naming the tree's field.
    private func single(_ results: [AmazonAdsWire.ItemResult?], field: String, indexes: [Int]? = nil)
        throws(ChannelError) -> [String]
    {
        var ids: [String] = []
        for (position, result) in results.enumerated() {
            let path = indexes.map { "\(field)[\($0[position])]" } ?? field
            switch result {
            case .success(let id): ids.append(id)
            case .failure(let code, let message, let location):
                throw .rejected(
                    field: path + (location.map { " (\($0))" } ?? ""),
                    ChannelErrorDetail(channel: channel, code: code, message: message))
            case nil:
                throw malformed("result for item \(position)")
            }
        }
        return ids
    }

    private func malformed(_ what: String) -> ChannelError {
        .transient(ChannelErrorDetail(channel: channel, code: nil, message: "unexpected response: no \(what)"))
    }
}
