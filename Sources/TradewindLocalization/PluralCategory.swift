/// The six CLDR plural categories. A locale uses some of them (English `one` and `other`, Arabic all
/// six, Chinese only `other`); `other` is in every locale. Declared in CLDR's order, which is also
/// the order lint reports them in.
public enum PluralCategory: String, CaseIterable, Sendable, Hashable, Comparable {
    case zero, one, two, few, many, other

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
