import Crypto
import Foundation
import Testing

@testable import TradewindCore

@Suite("API key tokens")
struct APIKeyTokenTests {
    @Test("a generated key parses back, matches its own hash and no other")
    func roundTrip() throws {
        let token = APIKeyToken.generate()
        #expect(token.text.hasPrefix("tw_\(token.keyID)_"))
        #expect(APIKeyToken.isKeyID(token.keyID))
        let parsed = try #require(APIKeyToken(parsing: token.text))
        #expect(parsed == token)
        #expect(parsed.matches(storedHash: token.secretHash))
        #expect(!parsed.matches(storedHash: APIKeyToken.generate().secretHash))
        #expect(!parsed.matches(storedHash: Array(token.secretHash.dropLast())))
        #expect(APIKeyToken.generate().keyID != token.keyID)
    }

    @Test(
        "malformed keys are rejected before any lookup",
        arguments: [
            "", "tw_", "sk_live_abc", "tw_UPPERCASEKEYID00_" + String(repeating: "a", count: 43),
            "tw_abcdefghijklmnop_" + String(repeating: "a", count: 42),
            "tw_abcdefghijklmnop_" + String(repeating: "a", count: 42) + "!",
            "tw_abcdefghijklmno_" + String(repeating: "a", count: 43),
        ])
    func malformed(_ text: String) {
        #expect(APIKeyToken(parsing: text) == nil)
    }
}

@Suite("Page tokens")
struct PageTokenTests {
    let codec = PageTokenCodec(key: SymmetricKey(size: .bits256))
    static let (t1, t2) = (UUID(), UUID())

    static func scope(_ owner: PageTokenScope.Owner, method: String = "tradewind.v1.Contacts/ListContacts")
        -> PageTokenScope
    {
        PageTokenScope(method: method, owner: owner)
    }

    @Test("a token of one method is refused by another method of the same tenant")
    func boundToMethod() throws {
        let token = codec.encode(position: ["1"], scope: Self.scope(.tenant(Self.t1)), filterFingerprint: "")
        #expect(throws: ValidationFailure.self) {
            try codec.decode(
                token, scope: Self.scope(.tenant(Self.t1), method: "tradewind.v1.Segments/ListSegments"),
                filterFingerprint: "")
        }
        #expect(throws: ValidationFailure.self) {
            try codec.decode(token, scope: Self.scope(.platform), filterFingerprint: "")
        }
    }

    @Test("a token decodes only with the scope and filters it was made for")
    func boundToFilters() throws {
        let token = codec.encode(
            position: ["123", "abc"], scope: Self.scope(.tenant(Self.t1)), filterFingerprint: "country=DE")
        #expect(
            try codec.decode(token, scope: Self.scope(.tenant(Self.t1)), filterFingerprint: "country=DE") == [
                "123", "abc",
            ])
        #expect(throws: ValidationFailure.self) {
            try codec.decode(token, scope: Self.scope(.tenant(Self.t1)), filterFingerprint: "country=FR")
        }
        #expect(throws: ValidationFailure.self) {
            try codec.decode(token, scope: Self.scope(.tenant(Self.t2)), filterFingerprint: "country=DE")
        }
    }

    @Test("an edited or foreign token is refused, naming page_token")
    func tampering() {
        let token = codec.encode(position: ["1"], scope: Self.scope(.platform), filterFingerprint: "f")
        let other = PageTokenCodec(key: SymmetricKey(size: .bits256))
        var tampered = Array(token)
        tampered[2] = tampered[2] == "A" ? "B" : "A"
        for candidate in [
            String(tampered), "garbage", "",
            other.encode(position: ["1"], scope: Self.scope(.platform), filterFingerprint: "f"),
        ] {
            #expect {
                try codec.decode(candidate, scope: Self.scope(.platform), filterFingerprint: "f")
            } throws: { error in
                (error as? ValidationFailure)?.violations.first?.field == "page_token"
            }
        }
    }

    @Test("page sizes: 0 means the default, 1...max pass, others name page_size")
    func pageSizes() throws {
        let limits = PageSizeLimits(defaultSize: 100, maxSize: 1000)
        #expect(try limits.resolve(0) == 100)
        #expect(try limits.resolve(1) == 1)
        #expect(try limits.resolve(1000) == 1000)
        #expect(throws: ValidationFailure(field: "page_size", "must be between 1 and 1000, or 0 for 100")) {
            try limits.resolve(1001)
        }
        #expect(throws: ValidationFailure.self) { try limits.resolve(-1) }
    }
}

@Suite("Contact fields and masks")
struct ContactFieldTests {
    @Test("an empty mask means every allowed field; unknown and disallowed paths are named")
    func masks() {
        var collector = ViolationCollector()
        #expect(
            ContactField.parseMask([], allowed: ContactField.upsertable, into: &collector)
                == Set(ContactField.upsertable))
        let parsed = ContactField.parseMask(
            ["name", "external_id", "shoe_size"], allowed: ContactField.upsertable, into: &collector)
        #expect(parsed == [.name])
        #expect(collector.violations.map(\.field) == ["update_mask.paths[1]", "update_mask.paths[2]"])
    }

    @Test("apply copies only the masked fields")
    func apply() {
        let stored = ContactFields(externalID: "x", email: "a@example.com", name: "Old", country: "DE")
        let incoming = ContactFields(externalID: "y", email: "b@example.com", name: "New", country: "FR")
        let merged = ContactField.apply([.name], from: incoming, to: stored)
        #expect(merged == ContactFields(externalID: "x", email: "a@example.com", name: "New", country: "DE"))
    }

    @Test("validation reports every bad field, only among those asked for")
    func validation() {
        let fields = ContactFields(externalID: "", email: "nope", phone: "123", country: "de", tags: ["ok", "not ok"])
        var all = ViolationCollector()
        fields.validate(into: &all, prefix: "contact")
        #expect(
            Set(all.violations.map(\.field)) == [
                "contact.external_id", "contact.email", "contact.phone", "contact.country", "contact.tags[1]",
            ])
        var some = ViolationCollector()
        fields.validate(into: &some, prefix: "contact", only: [.email])
        #expect(some.violations.map(\.field) == ["contact.email"])
    }

    @Test("normalising lower-cases the email and drops repeated tags in order")
    func normalized() {
        let fields = ContactFields(externalID: "x", email: "Ana@Example.COM", tags: ["b", "a", "b"]).normalized
        #expect(fields.email == "ana@example.com")
        #expect(fields.tags == ["b", "a"])
    }
}

@Suite("Tenant specs")
struct TenantSpecTests {
    @Test("a spec is checked against the served regions, plans and settings ranges")
    func validation() {
        let regions: Set<Region> = [Region("eu"), Region("us")]
        #expect(throws: Never.self) {
            try TenantSpec(slug: "acme-eu", name: "Acme", homeRegion: Region("eu")).validate(regions: regions)
        }
        var settings = TenantSettings.default
        settings.privacyRequestDeadlineDays = 91
        settings.reportingCurrency = "EURO"
        let bad = TenantSpec(
            slug: "A", name: "", homeRegion: Region("cn"), plan: "free", settings: settings)
        #expect {
            try bad.validate(regions: regions)
        } throws: { error in
            Set((error as? ValidationFailure)?.violations.map(\.field) ?? []) == [
                "slug", "name", "home_region", "plan", "settings.reporting_currency",
                "settings.privacy_request_deadline_days",
            ]
        }
    }

    @Test("every tenant role's scopes stay inside the tenant; operators hold only control-plane scopes")
    func roles() {
        for role in Role.tenantRoles {
            #expect(role.scopes.isDisjoint(with: Role.operator.scopes), "\(role)")
        }
        #expect(Role.allCases.count == Role.tenantRoles.count + 1)
    }
}

@Suite("Local days")
struct LocalDayTests {
    @Test("the day of an instant follows the time zone, across midnight, DST and leap days")
    func localDays() {
        let instant = Date(timeIntervalSince1970: 1_782_950_400)  // 2026-07-02T00:00:00Z
        #expect(LocalDay.of(instant, in: .gmt) == "2026-07-02")
        #expect(LocalDay.of(instant, in: TimeZone(identifier: "America/Los_Angeles")!) == "2026-07-01")
        #expect(LocalDay.of(instant, in: TimeZone(identifier: "Asia/Shanghai")!) == "2026-07-02")
        #expect(LocalDay.of(Date(timeIntervalSince1970: 951_782_400), in: .gmt) == "2000-02-29")
        #expect(LocalDay.of(Date(timeIntervalSince1970: -1), in: .gmt) == "1969-12-31")
        // Every day of four years agrees with Foundation's calendar in a zone with DST.
        let zone = TimeZone(identifier: "Europe/Berlin")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        for hour in stride(from: 0, to: 4 * 365 * 24, by: 7) {
            let date = Date(timeIntervalSince1970: 1_704_067_200 + Double(hour) * 3600)
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let expected = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            #expect(LocalDay.of(date, in: zone) == expected, "\(date)")
        }
    }
}

@Suite("Exchange rates")
struct ExchangeRateTests {
    @Test("conversion is exact integer arithmetic on a rate kept to 12 places")
    func conversion() throws {
        let rates = ExchangeRates(usdPerUnit: ["EUR": Decimal(string: "1.25")!, "JPY": Decimal(string: "0.0065")!])
        let eurToUSD = try #require(rates.rate(from: "EUR", to: "USD"))
        #expect(eurToUSD.description == "1.25")
        #expect(eurToUSD.convert(1_000_000) == 1_250_000)
        let jpyToEUR = try #require(rates.rate(from: "JPY", to: "EUR"))
        #expect(jpyToEUR.description == "0.0052")
        #expect(jpyToEUR.convert(100_000_000) == 520_000)
        let usdToJPY = try #require(rates.rate(from: "USD", to: "JPY"))
        #expect(usdToJPY.description == "153.846153846154")
        // Half away from zero: 1 micro at 0.5 is 1 micro, not 0.
        #expect(FixedRate(scaled: 500_000_000_000).convert(1) == 1)
        #expect(rates.rate(from: "EUR", to: "EUR")?.description == "1")
        #expect(rates.rate(from: "CHF", to: "USD") == nil)
        #expect(rates.rate(from: "EUR", to: "USD")?.convert(7) == 9)
    }
}
