import Crypto
import Foundation

/// How one channel wants a contact's identifiers written before they are hashed for a customer
/// list. The channels agree on SHA-256 of lower-case, trimmed e-mail addresses, and differ on the
/// rest:
///
/// - **Google Ads** (Customer Match): trim, lower-case, and remove every `.` before the `@` of
///   `gmail.com` and `googlemail.com` addresses; phone numbers in E.164 *with* the `+`
///   (developers.google.com/google-ads/api/docs/remarketing/audience-segments/customer-match/get-started,
///   "Normalize and hash"; googleads/google-ads-python `examples/remarketing/add_customer_match_user_list.py`,
///   `normalize_and_hash_email_address`).
/// - **Meta** (`PHONE_SHA256`, `EMAIL_SHA256`): trim and lower-case e-mail; phone numbers as digits
///   only, country code included, no `+`, spaces or other symbols
///   (developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences, "Hashing and
///   normalization"; facebook-python-business-sdk `adobjects/helpers/customaudiencemixin.py`).
/// - **TikTok** (customer file `Email_SHA256`, `Phone_SHA256`): trim and lower-case e-mail; phone
///   numbers in E.164, `"+"[country code][number]` (ads.tiktok.com/help, "List of supported IDs
///   and formats for a customer file", whose hashed example is `janedoe@gmail.com` →
///   `d6117306…6c69`, with no dot removal).
/// - **Amazon Ads** (advertiser audiences, `hashedPII`): trim and lower-case e-mail; phone numbers
///   as digits only with the country code (advertising.amazon.com/dsp/help/ss/en/audiences#GA6BC9BW52YFXBNE,
///   as applied by segmentio/action-destinations `amazon-amc/function.ts`).
public struct AudienceNormalisation: Sendable, Hashable {
    /// Google only: `j.doe@gmail.com` and `j.doe@googlemail.com` lose the dots of the local part.
    public var removesGmailDots: Bool
    /// Whether the hashed phone number keeps E.164's `+`; without it, only the digits are hashed.
    public var phoneKeepsPlus: Bool

    public init(removesGmailDots: Bool, phoneKeepsPlus: Bool) {
        self.removesGmailDots = removesGmailDots
        self.phoneKeepsPlus = phoneKeepsPlus
    }

    public static let googleAds = AudienceNormalisation(removesGmailDots: true, phoneKeepsPlus: true)
    public static let meta = AudienceNormalisation(removesGmailDots: false, phoneKeepsPlus: false)
    public static let tiktok = AudienceNormalisation(removesGmailDots: false, phoneKeepsPlus: true)
    public static let amazonAds = AudienceNormalisation(removesGmailDots: false, phoneKeepsPlus: false)

    /// The rule the channel documents.
    public static func of(_ channel: AdChannel) -> AudienceNormalisation {
        switch channel {
        case .googleAds: .googleAds
        case .meta: .meta
        case .tiktok: .tiktok
        case .amazonAds: .amazonAds
        }
    }
}

/// One member of a customer list as a channel receives it: SHA-256 digests, lower-case hex (64
/// characters), of the member's normalised e-mail address and phone number. A member has at least
/// one of the two. Never holds an identifier in clear.
public struct AudienceMemberHashes: Sendable, Hashable, Codable {
    public var email: String?
    public var phone: String?

    public init(email: String? = nil, phone: String? = nil) {
        self.email = email
        self.phone = phone
    }

    /// Normalises and hashes a contact's e-mail address and E.164 phone number the way `channel`
    /// documents (`AudienceNormalisation`). An identifier that is not a valid address or E.164
    /// number is left out; nil when nothing is left.
    public init?(email: String?, phone: String?, for channel: AdChannel) {
        self.init(email: email, phone: phone, normalisation: .of(channel))
    }

    public init?(email: String?, phone: String?, normalisation: AudienceNormalisation) {
        let emailHash = email.flatMap { AudienceIdentifiers.normalisedEmail($0, normalisation) }.map(
            AudienceIdentifiers.sha256Hex)
        let phoneHash = phone.flatMap { AudienceIdentifiers.normalisedPhone($0, normalisation) }.map(
            AudienceIdentifiers.sha256Hex)
        guard emailHash != nil || phoneHash != nil else { return nil }
        self.init(email: emailHash, phone: phoneHash)
    }
}

/// The normalisation and hashing steps, pure.
public enum AudienceIdentifiers {
    /// Trimmed and lower-cased (and, for Google, without the dots of a Gmail local part); nil when
    /// the result is not a plain `local@domain` address.
    public static func normalisedEmail(_ raw: String, _ normalisation: AudienceNormalisation) -> String? {
        let lowered = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard FieldFormats.isValidEmail(lowered), let at = lowered.lastIndex(of: "@") else { return nil }
        let domain = lowered[lowered.index(after: at)...]
        guard normalisation.removesGmailDots, domain == "gmail.com" || domain == "googlemail.com" else {
            return lowered
        }
        return lowered[..<at].replacingOccurrences(of: ".", with: "") + "@" + domain
    }

    /// The E.164 number with or without its `+`; nil when `raw` (trimmed) is not E.164. Contacts
    /// store E.164 already (`FieldFormats.isValidE164`), so nothing is guessed about national formats.
    public static func normalisedPhone(_ raw: String, _ normalisation: AudienceNormalisation) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard FieldFormats.isValidE164(trimmed) else { return nil }
        return normalisation.phoneKeepsPlus ? trimmed : String(trimmed.dropFirst())
    }

    /// SHA-256 of the UTF-8 bytes, lower-case hex.
    public static func sha256Hex(_ text: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(text.utf8)) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` is a SHA-256 digest as the channels take it: 64 lower-case hex characters.
    public static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
