import Foundation
import Testing

@testable import TradewindCore

@Suite("Campaign model and channel rules")
struct CampaignModelTests {
    static func googleTree() -> CampaignTree {
        CampaignTree(
            campaign: CampaignSpec(
                name: "Winter sale DE", objective: .sales, budget: Budget(period: .daily, amountMicros: 50_000_000),
                markets: ["DE", "AT"], languages: ["de"]),
            adGroups: [
                .init(
                    spec: AdGroupSpec(name: "Boots", targeting: Targeting(countries: ["DE"], languages: ["de"])),
                    ads: [
                        AdSpec(
                            name: "Boots RSA",
                            creative: Creative(
                                headlines: ["Warme Stiefel", "Winterstiefel im Sale", "Gratis Versand"],
                                descriptions: ["Handgemacht in Europa.", "Bis 30 % reduziert."],
                                finalURL: "https://shop.example.de/stiefel"))
                    ])
            ])
    }

    @Test("ad channels keep the touchpoint channels' pinned codes")
    func channelCodes() {
        #expect(AdChannel.allCases.map(\.storedCode) == [1, 2, 3, 4])
        for channel in AdChannel.allCases { #expect(AdChannel(storedCode: channel.storedCode) == channel) }
        #expect(AdChannel(storedCode: 5) == nil)
        #expect(CampaignObjective.allCases.map(\.storedCode) == [1, 2, 3, 4])
        #expect(CampaignStatus.allCases.map(\.storedCode) == [1, 2, 3, 4])
    }

    @Test("a valid Google tree has no violations; the same tree breaks TikTok's and Amazon's rules by name")
    func perChannelRules() {
        let tree = Self.googleTree()
        #expect(CampaignValidation.violations(of: tree, channel: .googleAds, currency: "EUR").isEmpty)
        let tiktok = CampaignValidation.violations(of: tree, channel: .tiktok, currency: "EUR")
        #expect(
            tiktok.contains {
                $0.field == "campaign.ad_groups[0].ads[0].creative.headlines" && $0.description.contains("tiktok")
            })
        #expect(tiktok.contains { $0.field == "campaign.ad_groups[0].ads[0].creative.call_to_action" })
        let amazon = CampaignValidation.violations(of: tree, channel: .amazonAds, currency: "EUR")
        #expect(amazon.contains { $0.field == "campaign.ad_groups[0].ads[0].creative.product" })
        #expect(amazon.contains { $0.field == "campaign.ad_groups[0].default_bid_micros" })
        #expect(amazon.contains { $0.field == "campaign.ad_groups[0].ads[0].creative.final_url" })
    }

    @Test("too many or too long headlines, budgets under a minimum or off the channel's step are refused")
    func limits() {
        var tree = Self.googleTree()
        tree.adGroups[0].ads[0].creative.headlines = (1...16).map { "Headline \($0)" }
        tree.adGroups[0].ads[0].creative.descriptions[1] = String(repeating: "x", count: 91)
        tree.campaign.budget.amountMicros = 50_005_000
        let violations = CampaignValidation.violations(of: tree, channel: .googleAds, currency: "EUR")
        #expect(
            violations.contains {
                $0.field == "campaign.ad_groups[0].ads[0].creative.headlines" && $0.description.contains("3 to 15")
            })
        #expect(
            violations.contains {
                $0.field == "campaign.ad_groups[0].ads[0].creative.descriptions[1]" && $0.description.contains("90")
            })
        #expect(
            violations.contains { $0.field == "campaign.budget.amount_micros" && $0.description.contains("google_ads") }
        )

        var tiktok = CampaignTree(
            campaign: CampaignSpec(
                name: "TT", objective: .traffic, budget: Budget(period: .daily, amountMicros: 20_000_000)),
            adGroups: [])
        #expect(
            CampaignValidation.violations(of: tiktok, channel: .tiktok, currency: "USD").map(\.field) == [
                "campaign.budget.amount_micros"
            ])
        tiktok.campaign.budget.amountMicros = 50_000_000
        #expect(CampaignValidation.violations(of: tiktok, channel: .tiktok, currency: "USD").isEmpty)
        // Yen has no minor unit: 500.5 yen cannot be sent to any channel.
        tiktok.campaign.budget.amountMicros = 10_000_500_000
        #expect(!CampaignValidation.violations(of: tiktok, channel: .tiktok, currency: "JPY").isEmpty)
    }

    @Test("Google counts a Chinese, Japanese or Korean character twice against its 30-character headline")
    func wideHeadlines() {
        var tree = Self.googleTree()
        tree.adGroups[0].ads[0].creative.headlines[0] = String(repeating: "靴", count: 15)
        tree.adGroups[0].ads[0].creative.headlines[1] = String(repeating: "靴", count: 16)
        tree.adGroups[0].ads[0].creative.headlines[2] = String(repeating: "b", count: 30)
        let violations = CampaignValidation.violations(of: tree, channel: .googleAds, currency: "EUR")
        #expect(violations.map(\.field) == ["campaign.ad_groups[0].ads[0].creative.headlines[1]"])
        #expect(violations.first?.description.contains("count 2), not 32") == true)
        // Meta counts each character once.
        #expect(ChannelTextLimits.length(of: String(repeating: "靴", count: 16), channel: "meta") == 16)
    }

    @Test("targeting stays inside the campaign's markets; lifetime budgets need an end date")
    func targetingAndDates() {
        var tree = Self.googleTree()
        tree.adGroups[0].spec.targeting.countries = ["FR"]
        tree.campaign.budget.period = .lifetime
        let meta = CampaignValidation.violations(of: tree, channel: .meta, currency: "EUR")
        #expect(meta.contains { $0.field == "campaign.ad_groups[0].targeting.countries[0]" })
        #expect(meta.contains { $0.field == "campaign.end_date" })
        let google = CampaignValidation.violations(of: tree, channel: .googleAds, currency: "EUR")
        #expect(google.contains { $0.field == "campaign.budget.period" && $0.description.contains("daily") })
    }

    @Test("currency units: micros to each channel's unit and back, exactly")
    func units() {
        #expect(CurrencyUnits.microsPerMinorUnit("EUR") == 10_000)
        #expect(CurrencyUnits.microsPerMinorUnit("JPY") == 1_000_000)
        #expect(CurrencyUnits.microsPerMinorUnit("KWD") == 1_000)
        #expect(CurrencyUnits.metaOffset("USD") == 100 && CurrencyUnits.metaOffset("JPY") == 1)
        #expect(CurrencyUnits.metaOffset("KRW") == 1 && CurrencyUnits.metaOffset("COP") == 1)
        #expect(CurrencyUnits.decimalString(micros: 12_340_000, currency: "EUR") == "12.34")
        #expect(CurrencyUnits.decimalString(micros: 500_000_000, currency: "JPY") == "500")
        #expect(CurrencyUnits.decimalString(micros: 1_234_000, currency: "KWD") == "1.234")
        #expect(CurrencyUnits.micros(decimal: "5339.5") == 5_339_500_000)
        #expect(CurrencyUnits.micros(decimal: "0.000001") == 1)
        #expect(CurrencyUnits.micros(decimal: "-3") == -3_000_000)
        #expect(CurrencyUnits.micros(decimal: "1.2345678") == nil)
        #expect(CurrencyUnits.micros(decimal: "1e3") == nil && CurrencyUnits.micros(decimal: "") == nil)
        #expect(CurrencyUnits.micros(decimal: ".5") == nil && CurrencyUnits.micros(decimal: "5.") == nil)
    }

    @Test("account identities take each channel's spelling and refuse others")
    func identities() throws {
        let google = try ChannelAccountIdentity.parse(
            channel: .googleAds, externalID: "123-456-7890", marketplaceID: nil, prefix: "account"
        ).get()
        #expect(google.externalID == "1234567890")
        #expect(throws: ValidationFailure.self) {
            try ChannelAccountIdentity.parse(channel: .meta, externalID: "1234", marketplaceID: nil, prefix: "account")
                .get()
        }
        let amazon = ChannelAccountIdentity.parse(
            channel: .amazonAds, externalID: "3456", marketplaceID: nil, prefix: "account")
        #expect((try? amazon.get()) == nil)
        #expect(
            (try? ChannelAccountIdentity.parse(
                channel: .amazonAds, externalID: "3456", marketplaceID: "A1PA6795UKMFR9", prefix: "account"
            ).get()) != nil)
    }

    @Test("sealed credentials open only for their tenant and account, and never print")
    func sealing() throws {
        let sealer = CredentialSealer(secret: Array(repeating: 7, count: 32))
        let credentials = ChannelCredentials(
            refreshToken: "1//refresh-secret", clientID: "client", clientSecret: "shh", developerToken: "dev-token")
        let tenant = UUID()
        let account = UUID()
        let sealed = try sealer.seal(credentials, tenantID: tenant, accountID: account)
        #expect(!String(decoding: sealed, as: UTF8.self).contains("refresh-secret"))
        #expect(try sealer.open(sealed, tenantID: tenant, accountID: account) == credentials)
        #expect(throws: CredentialSealer.SealError.self) {
            try sealer.open(sealed, tenantID: UUID(), accountID: account)
        }
        #expect(throws: CredentialSealer.SealError.self) {
            try sealer.open(sealed, tenantID: tenant, accountID: UUID())
        }
        var tampered = sealed
        tampered[20] ^= 1
        #expect(throws: CredentialSealer.SealError.self) {
            try sealer.open(tampered, tenantID: tenant, accountID: account)
        }
        let other = CredentialSealer(secret: Array(repeating: 8, count: 32))
        #expect(throws: CredentialSealer.SealError.self) {
            try other.open(sealed, tenantID: tenant, accountID: account)
        }
        #expect("\(credentials)" == "ChannelCredentials(redacted)")
        #expect(!String(reflecting: credentials).contains("secret"))
    }

    @Test("credentials each channel needs are named when missing")
    func credentialRequirements() {
        let missing = ChannelCredentials().violations(for: .googleAds, prefix: "credentials").map(\.field)
        #expect(
            missing == [
                "credentials.refresh_token", "credentials.client_id", "credentials.client_secret",
                "credentials.developer_token",
            ])
        #expect(ChannelCredentials(accessToken: "EAAB").violations(for: .meta, prefix: "c").isEmpty)
        #expect(
            ChannelCredentials(accessToken: "EAAB", developerToken: "x").violations(for: .meta, prefix: "c").map(
                \.field)
                == ["c.developer_token"])
    }
}
