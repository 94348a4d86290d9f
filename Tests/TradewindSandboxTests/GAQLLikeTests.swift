import Testing

@testable import TradewindSandbox

@Suite("GAQL LIKE")
struct GAQLLikeTests {
    @Test("% and _ are wildcards; a character in brackets stands for itself")
    func escapes() {
        #expect(GoogleAdsSearch.like("Winter [tw-ab12]", "%[[]tw-ab12[]]%"))
        #expect(!GoogleAdsSearch.like("Winter tw-ab12", "%[[]tw-ab12[]]%"))
        #expect(GoogleAdsSearch.like("50% off", "50[%] off"))
        #expect(!GoogleAdsSearch.like("50x off", "50[%] off"))
        #expect(GoogleAdsSearch.like("a_b", "a[_]b") && !GoogleAdsSearch.like("axb", "a[_]b"))
        #expect(GoogleAdsSearch.like("abc", "a_c") && GoogleAdsSearch.like("abc", "%c"))
        #expect(!GoogleAdsSearch.like("a*c", "abc") && GoogleAdsSearch.like("a*c", "a*c"))
    }
}
