import Foundation

/// Reading Tradewind's reference stamp back out of a channel object's name.
enum ReferenceNames {
    /// The ad group index in a name ending ` [tw-…/g3]` (or an ad's ` [tw-…/g3a1]`).
    static func groupIndex(in name: String, reference: ChannelReference) -> Int? {
        stamp(in: name, reference: reference).flatMap { $0.group }
    }

    static func adIndex(in name: String, reference: ChannelReference) -> (group: Int, ad: Int)? {
        guard let stamp = stamp(in: name, reference: reference), let group = stamp.group, let ad = stamp.ad else {
            return nil
        }
        return (group, ad)
    }

    /// Whether `name` carries exactly the campaign's stamp ` [tw-…]`.
    static func isCampaign(_ name: String, reference: ChannelReference) -> Bool {
        name.hasSuffix(reference.nameSuffix())
    }

    private static func stamp(in name: String, reference: ChannelReference) -> (group: Int?, ad: Int?)? {
        let opening = "[\(reference.value)/g"
        guard name.hasSuffix("]"), let range = name.range(of: opening, options: .backwards) else { return nil }
        let inner = name[range.upperBound..<name.index(before: name.endIndex)]
        let parts = inner.split(separator: "a", maxSplits: 1, omittingEmptySubsequences: false)
        guard let group = parts.first.flatMap({ Int($0) }) else { return nil }
        if parts.count == 2 {
            guard let ad = Int(parts[1]) else { return nil }
            return (group, ad)
        }
        return (group, nil)
    }

    /// Orders ids numerically (channel ids are decimal int64s of varying length).
    static func numericOrder(_ a: String, _ b: String) -> Bool {
        a.count != b.count ? a.count < b.count : a < b
    }
}
