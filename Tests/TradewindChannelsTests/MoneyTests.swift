import Testing
import TradewindCore

@testable import TradewindChannels

@Suite("Exact money between micros and each channel's unit")
struct MoneyTests {
    @Test("Decimal literals become micros exactly, float noise is rounded at the micro")
    func decimals() {
        #expect(WireMoney.micros("5339.5") == 5_339_500_000)
        #expect(WireMoney.micros("12.34") == 12_340_000)
        #expect(WireMoney.micros("0.00") == 0)
        #expect(WireMoney.micros("7") == 7_000_000)
        #expect(WireMoney.micros("30.739999999999995") == 30_740_000)
        #expect(WireMoney.micros("1.5E+2") == 150_000_000)
        #expect(WireMoney.micros("-0.000001") == -1)
        #expect(WireMoney.micros("0.0000005") == 0)  // half to even
        #expect(WireMoney.micros("0.0000015") == 2)
        #expect(WireMoney.micros("12,34") == nil)
        #expect(WireMoney.micros("") == nil)
        #expect(WireMoney.micros("99999999999999999999") == nil)
    }

    @Test("Google's double conversions become thousandths")
    func conversions() {
        #expect(WireMoney.milli("3.3333333333333335") == 3_333)
        #expect(WireMoney.milli("1") == 1_000)
        #expect(WireMoney.milli("0.0005") == 0)
    }

    @Test("Meta budget units follow the currency offset, refusing what they cannot express")
    func metaUnits() {
        #expect(WireMoney.metaUnits(micros: 50_000_000, currency: "USD") == 5_000)
        #expect(WireMoney.metaUnits(micros: 5_000_000_000, currency: "JPY") == 5_000)
        #expect(WireMoney.metaUnits(micros: 10_000_000_000, currency: "KRW") == 10_000)
        // COP has two ISO decimals but Meta's offset is 1: whole pesos only.
        #expect(WireMoney.metaUnits(micros: 20_000_000_000, currency: "COP") == 20_000)
        #expect(WireMoney.metaUnits(micros: 1_234_500_000, currency: "COP") == nil)
        // KWD has three ISO decimals; Meta's offset is 100, so fils below 10 do not fit.
        #expect(WireMoney.metaUnits(micros: 1_250_000, currency: "KWD") == 125)
        #expect(WireMoney.metaUnits(micros: 1_255_000, currency: "KWD") == nil)
        #expect(WireMoney.micros(metaUnits: 5_000, currency: "JPY") == 5_000_000_000)
        #expect(WireMoney.micros(metaUnits: 533_950, currency: "EUR") == 5_339_500_000)
    }

    @Test("TikTok and Amazon decimals are exact major units")
    func decimalNumbers() {
        #expect(WireMoney.decimalNumber(micros: 50_000_000, currency: "EUR").serialized == "50")
        #expect(WireMoney.decimalNumber(micros: 500_000_000, currency: "JPY").serialized == "500")
        #expect(WireMoney.decimalNumber(micros: 10_000_000_000, currency: "KRW").serialized == "10000")
        #expect(WireMoney.decimalNumber(micros: 1_250_000, currency: "KWD").serialized == "1.25")
        #expect(WireMoney.decimalNumber(micros: 12_340_000, currency: "COP").serialized == "12.34")
    }

    @Test("JSON numbers keep every digit through parse and serialise")
    func literals() throws {
        let value = try JSONValue.parse(
            #"{"cost": 30.739999999999995, "id": 413799090000001, "s": "a\"\u00e9\ud83d\ude00"}"#)
        #expect(value["cost"]?.numericText == "30.739999999999995")
        #expect(value["id"]?.int64Value == 413_799_090_000_001)
        #expect(value["s"]?.stringValue == "a\"é😀")
        #expect(try JSONValue.parse(value.serialized) == value)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("{\"a\": }") }
    }
}
