import Foundation
import Testing
import TradewindCore

@testable import TradewindChannels

@Suite("Built requests have the golden requests' shape")
struct GoldenRequestTests {
    @Test("Google Ads: one atomic googleAds:mutate with temporary resource names")
    func googleMutate() throws {
        let (body, created) = GoogleAdsWire.publishRequest(
            Sample.tree(), reference: Sample.reference, customerID: "1234567890", currency: "EUR")
        let golden = try Fixture.json("google-ads", "mutate.request.json")
        #expect(shapeDifferences(body, golden) == [])
        #expect(created.count == 7)
        let operations = body["mutateOperations"]?.arrayValue ?? []
        #expect(
            operations[1]["campaignOperation"]?["create"]?["name"]?.stringValue
                == "Spring sale [tw-0123456789abcdef0123]")
        #expect(
            operations[1]["campaignOperation"]?["create"]?["campaignBudget"]?.stringValue
                == "customers/1234567890/campaignBudgets/-1")
        #expect(
            operations[2]["campaignCriterionOperation"]?["create"]?["location"]?["geoTargetConstant"]?.stringValue
                == "geoTargetConstants/2276")
        #expect(
            operations[3]["campaignCriterionOperation"]?["create"]?["language"]?["languageConstant"]?.stringValue
                == "languageConstants/1001")
        #expect(
            operations[5]["adGroupCriterionOperation"]?["create"]?["ageRange"]?["type"]?.stringValue
                == "AGE_RANGE_18_24")
        #expect(body == golden)
    }

    @Test("Google Ads: the search request and the reference query")
    func googleSearch() throws {
        #expect(
            GoogleAdsWire.searchBody(GoogleAdsWire.customerQuery())
                == (try Fixture.json("google-ads", "search.request.json")))
        #expect(
            GoogleAdsWire.campaignByReferenceQuery(Sample.reference)
                == "SELECT campaign.id, campaign.name, campaign_budget.id FROM campaign WHERE campaign.name LIKE '%[[]tw-0123456789abcdef0123[]]%' AND campaign.status != 'REMOVED'"
        )
    }

    @Test("Meta: campaign, ad set, creative and ad forms")
    func meta() throws {
        let account = Sample.account(.meta, settings: [ChannelAccount.Setting.metaPageID: "104000000000001"])
        let tree = Sample.tree(
            objective: .traffic, countries: ["DE", "AT"], age: AgeRange(minimum: 25, maximum: 54),
            creative: Sample.social)
        let campaign = formObject(MetaWire.campaignForm(tree.campaign, reference: Sample.reference, currency: "EUR"))
        #expect(campaign == (try Fixture.form("meta", "campaigns-create.request.json")))
        let adSet = formObject(
            MetaWire.adSetForm(
                tree.adGroups[0].spec, index: 0, campaign: tree.campaign, campaignID: "120210000000000001",
                reference: Sample.reference,
                account: account))
        #expect(adSet == (try Fixture.form("meta", "adsets-create.request.json")))
        let creative = formObject(
            MetaWire.creativeForm(
                tree.adGroups[0].ads[0], name: "Shoe ad [tw-0123456789abcdef0123/g0a0]", pageID: "104000000000001"))
        #expect(creative == (try Fixture.form("meta", "adcreatives-create.request.json")))
        let ad = formObject(
            MetaWire.adForm(
                name: "Shoe ad [tw-0123456789abcdef0123/g0a0]", adSetID: "120210000000000002",
                creativeID: "120210000000000003"))
        #expect(ad == (try Fixture.form("meta", "ads-create.request.json")))
    }

    @Test("TikTok: campaign, ad group and ad bodies")
    func tiktok() throws {
        let account = Sample.account(
            .tiktok, settings: [ChannelAccount.Setting.tiktokIdentityID: "7000000000000000001"])
        let tree = Sample.tree(objective: .traffic, age: AgeRange(minimum: 25, maximum: 44), creative: Sample.social)
        let campaign = TikTokWire.campaignBody(
            tree.campaign, reference: Sample.reference, advertiserID: "7012345678901234567", currency: "EUR")
        #expect(campaign == (try Fixture.json("tiktok", "campaign-create.request.json")))
        let adGroup = TikTokWire.adGroupBody(
            tree.adGroups[0].spec, index: 0, campaign: tree.campaign, campaignID: "1790000000000001",
            reference: Sample.reference, account: account,
            today: CalendarDay("2026-01-15")!)
        #expect(shapeDifferences(adGroup, try Fixture.json("tiktok", "adgroup-create.request.json")) == [])
        #expect(adGroup["schedule_start_time"]?.stringValue == "2026-02-28 23:00:00")
        #expect(adGroup["schedule_end_time"]?.stringValue == "2026-03-31 22:00:00")
        var social = Sample.social
        social.imageReference = "ad-site-i18n-sg/202603015d0d0d0d"
        let ad = TikTokWire.adBody(
            AdSpec(name: "Shoe ad", creative: social), name: "Shoe ad [tw-0123456789abcdef0123/g0a0]",
            adGroupID: "1790000000000002", account: account)
        #expect(ad == (try Fixture.json("tiktok", "ad-create.request.json")))
    }

    @Test("Amazon: campaigns, ad groups, product ads, list filter and report request")
    func amazon() throws {
        var tree = Sample.tree(
            objective: .sales, budget: Budget(period: .daily, amountMicros: 25_000_000), languages: [], age: nil,
            creative: Sample.product,
            defaultBid: 750_000)
        tree.campaign.endDay = nil
        #expect(
            AmazonAdsWire.campaignBody(tree.campaign, reference: Sample.reference, currency: "EUR")
                == (try Fixture.json("amazon-ads", "campaigns-create.request.json")))
        #expect(
            AmazonAdsWire.adGroupsBody(
                [(0, tree.adGroups[0].spec)], campaignID: "413799090000001", reference: Sample.reference,
                currency: "EUR")
                == .object([
                    ("adGroups", (try Fixture.json("amazon-ads", "adgroups-create.request.json"))["adGroups"] ?? .null)
                ]))
        #expect(
            shapeDifferences(
                AmazonAdsWire.productAdsBody([("513799090000001", .asin("B08N5WRWNW"))], campaignID: "413799090000001"),
                try Fixture.json("amazon-ads", "productads-create.request.json")) == [])
        #expect(
            AmazonAdsWire.findCampaignBody(Sample.reference)
                == (try Fixture.json("amazon-ads", "campaigns-list.request.json")))
        #expect(
            AmazonAdsWire.reportBody(
                .campaign, from: CalendarDay("2026-03-01")!, through: CalendarDay("2026-03-31")!,
                name: "tradewind spCampaigns 2026-03-01 2026-03-31")
                == (try Fixture.json("amazon-ads", "report-create.request.json")))
        #expect(
            AmazonAdsWire.reportBody(
                .adGroup, from: CalendarDay("2026-03-01")!, through: CalendarDay("2026-03-31")!,
                name: "tradewind spCampaigns ad_group 2026-03-01 2026-03-31")
                == (try Fixture.json("amazon-ads", "report-create-adgroup.request.json")))
        #expect(
            AmazonAdsWire.reportBody(
                .ad, from: CalendarDay("2026-03-01")!, through: CalendarDay("2026-03-31")!,
                name: "tradewind ad 2026-03-01 2026-03-31")
                == (try Fixture.json("amazon-ads", "report-create-ad.request.json")))
    }

    /// The sample tree after a settings change: a maximum CPC of 1.25 EUR, ending 2026-03-31.
    static func changedTree(creative: Creative = Sample.google, defaultBid: Int64? = nil) -> CampaignTree {
        var tree = Sample.tree(creative: creative, defaultBid: defaultBid)
        tree.campaign.bidStrategy = .maximumCostPerClick(micros: 1_250_000)
        return tree
    }

    static let published = PublishedCampaign(
        campaignID: "22222", budgetID: "11111", adGroups: [PublishedAdGroup(adGroupID: "33333", adIDs: ["44444"])])

    @Test(
        "Google Ads: settings are a googleAds:mutate of the budget's name and the campaign, and an adGroups:mutate bid update, masks naming what is sent"
    )
    func googleSettings() throws {
        let tree = Self.changedTree()
        let campaign = GoogleAdsWire.campaignSettingsRequest(
            tree.campaign, reference: Sample.reference, campaignID: "22222", budgetID: "11111",
            customerID: "1234567890")
        #expect(campaign == (try Fixture.json("google-ads", "settings-mutate.request.json")))
        let bids = GoogleAdsWire.adGroupBidsRequest(tree, campaign: Self.published, customerID: "1234567890")
        #expect(bids == (try Fixture.json("google-ads", "adgroups-update.request.json")))

        // Automatic bidding for sales is Maximize conversions, an empty scheme named by itself in
        // the mask; without an end day Google's "no end date" is sent; no group bid, no ad group call;
        // a campaign without a budget of its own renames none.
        var automatic = Sample.tree()
        automatic.campaign.endDay = nil
        let open = GoogleAdsWire.campaignSettingsRequest(
            automatic.campaign, reference: Sample.reference, campaignID: "22222", budgetID: nil,
            customerID: "1234567890")
        #expect(open["mutateOperations"]?.arrayValue?.count == 1)
        let operation = open["mutateOperations"]?[0]?["campaignOperation"]
        #expect(operation?["updateMask"]?.stringValue == "name,endDate,maximizeConversions")
        #expect(operation?["update"]?["endDate"]?.stringValue == "2037-12-30")
        #expect(operation?["update"]?["maximizeConversions"] == .object([]))
        #expect(GoogleAdsWire.adGroupBidsRequest(automatic, campaign: Self.published, customerID: "1234567890") == nil)
        // A target CPA is a leaf of Maximize conversions.
        automatic.campaign.bidStrategy = .targetCostPerAction(micros: 4_000_000)
        #expect(
            GoogleAdsWire.campaignSettingsRequest(
                automatic.campaign, reference: Sample.reference, campaignID: "22222", budgetID: nil,
                customerID: "1234567890"
            )["mutateOperations"]?[0]?["campaignOperation"]?["updateMask"]?.stringValue
                == "name,endDate,maximizeConversions.targetCpaMicros")
    }

    @Test("Meta: the campaign's name and bid strategy, the ad set's end time and bid amount")
    func metaSettings() throws {
        let account = Sample.account(.meta)
        let tree = Self.changedTree(creative: Sample.social)
        #expect(
            formObject(MetaWire.campaignSettingsForm(tree.campaign, reference: Sample.reference))
                == (try Fixture.form("meta", "campaign-update.request.json")))
        #expect(
            formObject(MetaWire.adSetSettingsForm(tree.adGroups[0].spec, campaign: tree.campaign, account: account))
                == (try Fixture.form("meta", "adset-update.request.json")))
        var open = tree.campaign
        open.endDay = nil
        open.bidStrategy = .targetReturnOnAdSpend(permille: 4000)
        let form = MetaWire.adSetSettingsForm(tree.adGroups[0].spec, campaign: open, account: account)
        #expect(form.first { $0.0 == "end_time" }?.1 == "0")
        #expect(form.first { $0.0 == "bid_constraints" }?.1 == #"{"roas_average_floor":40000}"#)
        #expect(!form.contains { $0.0 == "bid_amount" })
    }

    @Test("TikTok: campaign/update/ renames, adgroup/update/ sets the bid and the end of the schedule")
    func tiktokSettings() throws {
        let account = Sample.account(.tiktok)
        let tree = Self.changedTree(creative: Sample.social)
        #expect(
            TikTokWire.campaignSettingsBody(
                tree.campaign, reference: Sample.reference, campaignID: "1790000000000001",
                advertiserID: "7012345678901234567")
                == (try Fixture.json("tiktok", "campaign-update.request.json")))
        #expect(
            TikTokWire.adGroupSettingsBody(
                tree.adGroups[0].spec, campaign: tree.campaign, adGroupID: "1790000000000002", account: account)
                == (try Fixture.json("tiktok", "adgroup-update.request.json")))
        var open = tree.campaign
        open.endDay = nil
        open.bidStrategy = .automatic
        let body = TikTokWire.adGroupSettingsBody(
            tree.adGroups[0].spec, campaign: open, adGroupID: "1790000000000002", account: account)
        #expect(body["schedule_type"]?.stringValue == "SCHEDULE_FROM_NOW")
        #expect(body["schedule_end_time"] == nil && body["bid_price"] == nil)
        #expect(body["bid_type"]?.stringValue == "BID_TYPE_NO_BID")
    }

    @Test("Amazon: PUT /sp/campaigns with name, bidding and end date; PUT /sp/adGroups with default bids")
    func amazonSettings() throws {
        let tree = Self.changedTree(creative: Sample.product, defaultBid: 750_000)
        let published = PublishedCampaign(
            campaignID: "413799090000001",
            adGroups: [PublishedAdGroup(adGroupID: "513799090000001", adIDs: ["613799090000001"])])
        #expect(
            AmazonAdsWire.campaignSettingsBody(
                tree.campaign, reference: Sample.reference, campaignID: "413799090000001")
                == (try Fixture.json("amazon-ads", "campaigns-update.request.json")))
        #expect(
            AmazonAdsWire.adGroupBidsBody(tree, campaign: published, currency: "EUR")
                == (try Fixture.json("amazon-ads", "adgroups-update.request.json")))
        var open = tree.campaign
        open.endDay = nil
        open.bidStrategy = .automatic
        let body = AmazonAdsWire.campaignSettingsBody(open, reference: Sample.reference, campaignID: "413799090000001")
        #expect(body["campaigns"]?[0]?["endDate"] == .null)
        #expect(body["campaigns"]?[0]?["dynamicBidding"]?["strategy"]?.stringValue == "LEGACY_FOR_SALES")
    }

    @Test("Ad groups and ads: status changes on each channel, and an ad set's own bid under its campaign's strategy")
    func adGroupStatusAndOwnBids() throws {
        #expect(
            GoogleAdsWire.adGroupStatusRequest(.paused, adGroupID: "33333", customerID: "1234567890")
                == (try Fixture.json("google-ads", "adgroups-status.request.json")))
        #expect(GoogleAdsWire.adGroupStatusRequest(.archived, adGroupID: "33333", customerID: "1234567890") == nil)
        #expect(
            TikTokWire.adGroupStatusBody("DISABLE", adGroupID: "1790000000000002", advertiserID: "7012345678901234567")
                == (try Fixture.json("tiktok", "adgroup-status-update.request.json")))
        #expect(
            AmazonAdsWire.adGroupStateBody(adGroupID: "513799090000001", state: "PAUSED")
                == (try Fixture.json("amazon-ads", "adgroups-state.request.json")))
        #expect(
            GoogleAdsWire.adStatusRequest(.paused, adID: "44444", adGroupID: "33333", customerID: "1234567890")
                == (try Fixture.json("google-ads", "adgroupads-status.request.json")))
        #expect(
            TikTokWire.adStatusBody("DISABLE", adID: "1790000000000003", advertiserID: "7012345678901234567")
                == (try Fixture.json("tiktok", "ad-status-update.request.json")))
        #expect(
            AmazonAdsWire.productAdStateBody(adID: "613799090000001", state: "PAUSED")
                == (try Fixture.json("amazon-ads", "productads-state.request.json")))

        // A group with a bid of its own bids it under the campaign's cap per click; without one,
        // the campaign's amount.
        let tree = Self.changedTree(creative: Sample.social, defaultBid: 900_000)
        let meta = MetaWire.adSetSettingsForm(
            tree.adGroups[0].spec, campaign: tree.campaign, account: Sample.account(.meta))
        #expect(meta.first { $0.0 == "bid_amount" }?.1 == "90")
        let tiktok = TikTokWire.adGroupSettingsBody(
            tree.adGroups[0].spec, campaign: tree.campaign, adGroupID: "1790000000000002",
            account: Sample.account(.tiktok))
        #expect(tiktok["bid_price"] == WireMoney.decimalNumber(micros: 900_000, currency: "EUR"))
        let inherited = Self.changedTree(creative: Sample.social)
        let metaInherited = MetaWire.adSetSettingsForm(
            inherited.adGroups[0].spec, campaign: inherited.campaign, account: Sample.account(.meta))
        #expect(metaInherited.first { $0.0 == "bid_amount" }?.1 == "125")
    }
}
