import Testing
import TradewindLocalization

/// Isolation marks around the runs that go against the paragraph, found by ICU's ubidi.
@Suite("Bidi isolation")
struct BidiIsolationTests {
    static func isolate(_ text: String, _ direction: TextDirection = .rightToLeft) -> [String] {
        codePoints(BidiIsolation.isolate(text, baseDirection: direction))
    }

    @Test("a Latin brand name in Arabic copy is wrapped in LRI … PDI, with its model number")
    func brandInArabic() {
        #expect(Self.isolate("اشترِ iPhone 15 Pro الآن") == codePoints("اشترِ \u{2066}iPhone 15 Pro\u{2069} الآن"))
        #expect(Self.isolate("شاشة 4K رائعة") == codePoints("شاشة \u{2066}4K\u{2069} رائعة"))
    }

    @Test("Hebrew too, and several runs in one text")
    func hebrew() {
        #expect(
            Self.isolate("קנו Nike Air או Adidas עכשיו!")
                == codePoints("קנו \u{2066}Nike Air\u{2069} או \u{2066}Adidas\u{2069} עכשיו!"))
    }

    @Test("a number alone keeps no marks: digits read left to right in Arabic already")
    func numbersAlone() {
        #expect(Self.isolate("السعر 100 ريال") == codePoints("السعر 100 ريال"))
        #expect(Self.isolate("السعر ١٠٠ ريال") == codePoints("السعر ١٠٠ ريال"))
    }

    @Test("symbols written against a brand go with it; sentence punctuation stays with the sentence")
    func attachedSymbols() {
        #expect(Self.isolate("جرّب Nike® اليوم") == codePoints("جرّب \u{2066}Nike®\u{2069} اليوم"))
        #expect(Self.isolate("تعلم C++ الآن") == codePoints("تعلم \u{2066}C++\u{2069} الآن"))
        #expect(Self.isolate("تابع @acme الآن") == codePoints("تابع \u{2066}@acme\u{2069} الآن"))
        #expect(Self.isolate("اشترِ من Acme.") == codePoints("اشترِ من \u{2066}Acme\u{2069}."))
        #expect(Self.isolate("من (Acme) اليوم") == codePoints("من (\u{2066}Acme\u{2069}) اليوم"))
        // A vowel mark stays on its Arabic letter even with no space before the brand.
        #expect(Self.isolate("اشترِAcme") == codePoints("اشترِ\u{2066}Acme\u{2069}"))
    }

    @Test("Arabic in left-to-right copy gets RLI … PDI")
    func arabicInEnglish() {
        #expect(
            Self.isolate("Try مرحبا today!", .leftToRight) == codePoints("Try \u{2067}مرحبا\u{2069} today!"))
        #expect(Self.isolate("Plain English copy", .leftToRight) == codePoints("Plain English copy"))
    }

    @Test("text already isolated is left alone, so isolating twice changes nothing")
    func idempotent() {
        let samples = [
            ("اشترِ iPhone 15 Pro الآن", TextDirection.rightToLeft), ("جرّب Nike® اليوم", .rightToLeft),
            ("קנו Nike Air או Adidas עכשיו!", .rightToLeft), ("Try مرحبا 2 today", .leftToRight),
            ("اشترِ \u{2068}Acme\u{2069} الآن", .rightToLeft), ("Acme", .rightToLeft),
        ]
        for (text, direction) in samples {
            let once = BidiIsolation.isolate(text, baseDirection: direction)
            #expect(codePoints(BidiIsolation.isolate(once, baseDirection: direction)) == codePoints(once))
        }
        #expect(Self.isolate("اشترِ \u{2068}Acme\u{2069} الآن") == codePoints("اشترِ \u{2068}Acme\u{2069} الآن"))
    }

    @Test("copy entirely in the paragraph's direction, or empty, is unchanged")
    func unchanged() {
        #expect(Self.isolate("مرحبا بكم") == codePoints("مرحبا بكم"))
        #expect(Self.isolate("") == [])
        #expect(Self.isolate("Acme") == codePoints("\u{2066}Acme\u{2069}"))
    }
}
