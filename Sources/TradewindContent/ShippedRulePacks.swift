import Foundation
import TradewindCore

/// The rule packs Tradewind ships: one per market under `Packs/markets/`, one per ad channel's own
/// policy under `Packs/platforms/`. Loaded and compiled once; a pack whose examples fail stops the
/// server at startup (and `scripts/test` at its first test), never a request.
public enum ShippedRulePacks {
    /// Every shipped pack, markets first, each group by file name.
    public static func load() throws -> [CopyRulePack] {
        guard let root = Bundle.module.url(forResource: "Packs", withExtension: nil) else {
            throw RulePackFileError(file: "Packs", line: nil, problem: "the shipped rule packs are missing")
        }
        return try load(directory: root)
    }

    /// Every `*.yaml` under `directory` (one level of folders deep), parsed but not compiled.
    public static func load(directory: URL) throws -> [CopyRulePack] {
        let manager = FileManager.default
        var files: [URL] = []
        for group in ["markets", "platforms"] {
            let folder = directory.appendingPathComponent(group)
            let names = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
            files += names.filter { $0.hasSuffix(".yaml") }.sorted().map { folder.appendingPathComponent($0) }
        }
        return try files.map { url in
            let text = try String(contentsOf: url, encoding: .utf8)
            return try RulePackDocument.parse(text, file: url.lastPathComponent)
        }
    }
}
