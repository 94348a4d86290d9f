import Testing

@testable import TradewindCore

/// Expected digests computed by hand: `printf %s 'jane.doe@example.com' | sha256sum`.
@Suite struct AudienceIdentifiersTests {
    static let janeDoeExample = "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d"
    /// `janedoe@gmail.com`: also TikTok's own example of a hashed e-mail.
    static let janedoeGmail = "d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69"
    static let janeDotDoeGmail = "831f6494ad6be4fcb3a724c3d5fef22d3ceffa3c62ef3a7984e45a0ea177f982"
    /// `+4915112345678`.
    static let phoneWithPlus = "536afd523e19dc83fccba822ef5e4ca646111314aaf0aa286667c5bea18dd70b"
    /// `4915112345678`.
    static let phoneDigits = "8efb96404be52f6109b9db0f687274a81e9e3cc23fabd6f0da5d38baa3d2facd"

    @Test func emailIsTrimmedAndLowerCasedOnEveryChannel() {
        for channel in AdChannel.allCases {
            let hashes = AudienceMemberHashes(email: "  Jane.Doe@Example.COM\n", phone: nil, for: channel)
            #expect(hashes == AudienceMemberHashes(email: Self.janeDoeExample, phone: nil), "\(channel)")
        }
    }

    @Test func googleRemovesTheDotsOfAGmailLocalPartOthersKeepThem() {
        #expect(AudienceIdentifiers.normalisedEmail("Jane.Doe@GMail.com", .googleAds) == "janedoe@gmail.com")
        #expect(AudienceIdentifiers.normalisedEmail("j.a.n.e@googlemail.com", .googleAds) == "jane@googlemail.com")
        #expect(AudienceIdentifiers.normalisedEmail("jane.doe@example.com", .googleAds) == "jane.doe@example.com")
        #expect(
            AudienceMemberHashes(email: "jane.doe@gmail.com", phone: nil, for: .googleAds)?.email == Self.janedoeGmail)
        for channel in [AdChannel.meta, .tiktok, .amazonAds] {
            #expect(
                AudienceMemberHashes(email: "jane.doe@gmail.com", phone: nil, for: channel)?.email
                    == Self.janeDotDoeGmail, "\(channel)")
        }
    }

    @Test func phoneKeepsThePlusForGoogleAndTikTokAndDropsItForMetaAndAmazon() {
        #expect(AudienceMemberHashes(email: nil, phone: "+4915112345678", for: .googleAds)?.phone == Self.phoneWithPlus)
        #expect(AudienceMemberHashes(email: nil, phone: "+4915112345678", for: .tiktok)?.phone == Self.phoneWithPlus)
        #expect(AudienceMemberHashes(email: nil, phone: "+4915112345678", for: .meta)?.phone == Self.phoneDigits)
        #expect(AudienceMemberHashes(email: nil, phone: " +4915112345678 ", for: .amazonAds)?.phone == Self.phoneDigits)
    }

    @Test func invalidIdentifiersAreLeftOutAndNothingLeftIsNil() {
        #expect(AudienceMemberHashes(email: "not an address", phone: "015112345678", for: .meta) == nil)
        #expect(AudienceMemberHashes(email: nil, phone: nil, for: .googleAds) == nil)
        let partial = AudienceMemberHashes(email: "jane.doe@example.com", phone: "0151 1234", for: .meta)
        #expect(partial == AudienceMemberHashes(email: Self.janeDoeExample, phone: nil))
        #expect(AudienceIdentifiers.normalisedPhone("+0151123456", .meta) == nil)
    }

    @Test func digestsAreLowerCaseHexOf64Characters() {
        #expect(AudienceIdentifiers.sha256Hex("janedoe@gmail.com") == Self.janedoeGmail)
        #expect(AudienceIdentifiers.isSHA256Hex(Self.phoneDigits))
        #expect(!AudienceIdentifiers.isSHA256Hex(Self.phoneDigits.uppercased()))
        #expect(!AudienceIdentifiers.isSHA256Hex(String(Self.phoneDigits.dropLast())))
    }

    @Test func normalisationPerChannelIsTheDocumentedRule() {
        #expect(
            AudienceNormalisation.of(.googleAds) == AudienceNormalisation(removesGmailDots: true, phoneKeepsPlus: true))
        #expect(
            AudienceNormalisation.of(.meta) == AudienceNormalisation(removesGmailDots: false, phoneKeepsPlus: false))
        #expect(
            AudienceNormalisation.of(.tiktok) == AudienceNormalisation(removesGmailDots: false, phoneKeepsPlus: true))
        #expect(
            AudienceNormalisation.of(.amazonAds)
                == AudienceNormalisation(removesGmailDots: false, phoneKeepsPlus: false))
    }
}
