import Foundation
import GRPCCore
import TradewindCore
import TradewindLocalization
import TradewindProto
import TradewindStore

/// `tradewind.v1.Content`: ad copy checked against the rule packs of each market and channel, a
/// tenant's own packs, and the stored checks and approvals the publication gate reads.
///
/// The shipped packs are compiled once, when the server starts (`ShippedRulePacks`, examples
/// checked); a tenant's own are read in its transaction and compiled once per revision
/// (`CopyRuleBook`). CheckCopy stores nothing; its audit record names the packs that made the
/// verdicts. Stored checks are made by the campaigns they belong to (`CopyChecks`).
struct ContentService: Tradewind_V1_Content.SimpleServiceProtocol {
    let store: TenantStore
    let rules: CopyRuleBook

    static let maximumTexts = 1_000
    static let maximumMarkets = 30
    static let packNotFound = RPCError(code: .notFound, message: "no such rule pack")
    static let checkNotFound = RPCError(code: .notFound, message: "no such copy check")

    // MARK: Checking

    func checkCopy(request: Tradewind_V1_CheckCopyRequest, context: ServerContext) async throws
        -> Tradewind_V1_CheckCopyResponse
    {
        var collector = ViolationCollector()
        if request.texts.isEmpty { collector.add("texts", "is required: 1 to \(Self.maximumTexts) texts") }
        if request.texts.count > Self.maximumTexts {
            collector.add("texts", "holds \(request.texts.count) texts; at most \(Self.maximumTexts) per call")
        }
        let markets = Self.markets(request.markets, into: &collector)
        let drafts = request.texts.prefix(Self.maximumTexts).enumerated().map { index, text in
            ProtoMapping.copyDraft(text, prefix: "texts[\(index)]", into: &collector)
        }
        try collector.throwIfAny()
        let call = try CallContext.tenantCall()
        let book = rules
        let rules = try await store.read(for: call) { tx in try await book.rules(in: tx) }

        var response = Tradewind_V1_CheckCopyResponse()
        var versions: [String: String] = [:]
        response.results.reserveCapacity(drafts.count)
        for draft in drafts {
            let verdicts = rules.check(draft, markets: markets)
            var result = Tradewind_V1_CopyCheckResult()
            result.severity = ProtoMapping.severity(verdicts.map(\.severity).max() ?? .pass)
            result.markets = verdicts.map { ProtoMapping.verdict($0, of: draft) }
            result.lengthOverruns = ProtoMapping.lengthOverruns(draft, markets: markets)
            ProtoMapping.findingRules(verdicts.map { ($0, draft.language) }, into: &response.rules)
            for verdict in verdicts { versions.merge(verdict.packVersions) { current, _ in current } }
            response.results.append(result)
        }
        for (pack, version) in versions.sorted(by: { $0.key < $1.key }) { call.touch("rule_pack:\(pack)@\(version)") }
        return response
    }

    // MARK: Packs

    func listRulePacks(request: Tradewind_V1_ListRulePacksRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListRulePacksResponse
    {
        if !request.market.isEmpty && !FieldFormats.isValidCountryCode(request.market) {
            throw ValidationFailure(field: "market", "is not an ISO 3166-1 alpha-2 code in upper case")
        }
        let call = try CallContext.tenantCall()
        let own = try await store.read(for: call) { tx in try await ContentRepository.packs(in: tx) }
        call.read(rows: own.count)
        let applies = { (pack: CopyRulePack) in
            request.market.isEmpty || pack.markets.contains("*") || pack.markets.contains(request.market)
        }
        return .with {
            $0.packs =
                rules.shipped.packs.filter(applies).map { ProtoMapping.rulePack($0) }
                + own.map(\.pack).filter(applies).map { ProtoMapping.rulePack($0, custom: true) }
        }
    }

    func createRulePack(request: Tradewind_V1_CreateRulePackRequest, context: ServerContext) async throws
        -> Tradewind_V1_RulePack
    {
        let pack = try checkedPack(request.pack)
        let call = try CallContext.tenantCall()
        let record = try await store.write(for: call) { tx in
            guard let record = try await ContentRepository.insertPack(pack, createdBy: call.principal.id, in: tx)
            else {
                throw RPCError(code: .alreadyExists, message: "pack.id: the tenant has a pack \(pack.id) already")
            }
            call.touch("rule_pack:\(pack.id)@\(record.revision)")
            call.wrote(rows: 1)
            return record
        }
        return ProtoMapping.rulePack(record.pack, custom: true)
    }

    func getRulePack(request: Tradewind_V1_GetRulePackRequest, context: ServerContext) async throws
        -> Tradewind_V1_RulePack
    {
        let call = try CallContext.tenantCall()
        let id = request.id
        let record = try await store.read(for: call) { tx in
            guard let record = try await ContentRepository.pack(id: id, in: tx) else { throw Self.packNotFound }
            call.touch("rule_pack:\(id)@\(record.revision)")
            call.read(rows: 1)
            return record
        }
        return ProtoMapping.rulePack(record.pack, custom: true)
    }

    func updateRulePack(request: Tradewind_V1_UpdateRulePackRequest, context: ServerContext) async throws
        -> Tradewind_V1_RulePack
    {
        let pack = try checkedPack(request.pack)
        guard let revision = Int64(request.pack.version), revision >= 1 else {
            throw ValidationFailure(field: "pack.version", "is required: the version the pack was read at")
        }
        let call = try CallContext.tenantCall()
        let record = try await store.write(for: call) { tx in
            guard let current = try await ContentRepository.pack(id: pack.id, in: tx) else { throw Self.packNotFound }
            guard current.revision == revision,
                let record = try await ContentRepository.replacePack(pack, revision: revision, in: tx)
            else {
                throw RPCError(
                    code: .aborted, message: "pack.version: the pack is at version \(current.revision); read it again")
            }
            call.touch("rule_pack:\(pack.id)@\(record.revision)")
            call.wrote(rows: 1)
            return record
        }
        return ProtoMapping.rulePack(record.pack, custom: true)
    }

    func deleteRulePack(request: Tradewind_V1_DeleteRulePackRequest, context: ServerContext) async throws
        -> Tradewind_V1_DeleteRulePackResponse
    {
        let call = try CallContext.tenantCall()
        let id = request.id
        try await store.write(for: call) { tx in
            guard try await ContentRepository.deletePack(id: id, in: tx) else { throw Self.packNotFound }
            call.touch("rule_pack:\(id)")
            call.wrote(rows: 1)
        }
        return .init()
    }

    /// The pack a request describes, its fields and then its examples checked.
    private func checkedPack(_ proto: Tradewind_V1_RulePack) throws -> CopyRulePack {
        var collector = ViolationCollector()
        let pack = ProtoMapping.customPack(proto, prefix: "pack", into: &collector)
        if rules.shipped.packs.contains(where: { $0.id == proto.id }) {
            collector.add("pack.id", "\(proto.id) is a shipped pack's id; choose another")
        }
        if proto.id.hasPrefix("glossary-") {
            collector.add("pack.id", "glossary- names the tenant's glossaries; choose another")
        }
        try collector.throwIfAny()
        do {
            _ = try CompiledCopyRules([pack])
        } catch {
            let index = pack.rules.firstIndex { $0.id == error.rule } ?? 0
            throw ValidationFailure(field: "pack.rules[\(index)]", error.problem)
        }
        return pack
    }

    // MARK: Stored checks and approvals

    func getCopyCheck(request: Tradewind_V1_GetCopyCheckRequest, context: ServerContext) async throws
        -> Tradewind_V1_CopyCheck
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let (check, drafts) = try await store.read(for: call) { tx in
            guard let check = try await ContentRepository.check(id: id, in: tx) else { throw Self.checkNotFound }
            call.touch("copy_check:\(CopyChecks.id(id))")
            call.read(rows: 1)
            return (check, try await Self.currentDrafts(campaignID: check.campaignID, in: tx))
        }
        return ProtoMapping.proto(check, drafts: Self.matching(drafts, check))
    }

    func listCopyChecks(request: Tradewind_V1_ListCopyChecksRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListCopyChecksResponse
    {
        let campaignID = try ProtoMapping.uuid(request.campaignID, field: "campaign_id")
        let call = try CallContext.tenantCall()
        let (checks, drafts) = try await store.read(for: call) { tx in
            guard try await CampaignRepository.get(id: campaignID, in: tx) != nil else {
                throw RPCError(code: .notFound, message: "no such campaign")
            }
            let drafts = try await Self.currentDrafts(campaignID: campaignID, in: tx)
            // The checks of the campaign's ads as they are now (replaced ads keep theirs, for the record).
            let checks = try await ContentRepository.latestChecks(campaignID: campaignID, in: tx).filter {
                drafts[$0.adID] != nil
            }
            call.touch("campaign:\(campaignID.uuidString.lowercased())")
            call.read(rows: checks.count)
            return (checks, drafts)
        }
        return .with { response in
            response.checks = checks.map { ProtoMapping.proto($0, drafts: Self.matching(drafts, $0)) }
        }
    }

    func recheckCampaignCopy(request: Tradewind_V1_RecheckCampaignCopyRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListCopyChecksResponse
    {
        let campaignID = try ProtoMapping.uuid(request.campaignID, field: "campaign_id")
        let call = try CallContext.tenantCall()
        let book = rules
        let (checks, drafts) = try await store.write(for: call) { tx in
            guard let campaign = try await CampaignRepository.get(id: campaignID, in: tx) else {
                throw RPCError(code: .notFound, message: "no such campaign")
            }
            let (latest, made) = try await CopyChecks.ensure(
                for: campaign, rules: try await book.rules(in: tx), by: call.principal.id, in: tx)
            call.touch("campaign:\(campaignID.uuidString.lowercased())")
            for id in made { call.touch("copy_check:\(CopyChecks.id(id))") }
            call.wrote(rows: made.count)
            let order = Array(campaign.adIDs.joined())
            let checks = order.compactMap { latest[$0] }
            return (checks, Self.drafts(of: campaign))
        }
        return .with { response in
            response.checks = checks.map { ProtoMapping.proto($0, drafts: Self.matching(drafts, $0)) }
        }
    }

    func approveCopyCheck(request: Tradewind_V1_ApproveCopyCheckRequest, context: ServerContext) async throws
        -> Tradewind_V1_CopyCheck
    {
        var collector = ViolationCollector()
        let id = ProtoMapping.uuid(request.checkID, field: "check_id", into: &collector)
        collector.require(
            FieldFormats.isValidCountryCode(request.market), "market", "must be an ISO 3166-1 alpha-2 code")
        collector.require(!request.note.isEmpty, "note", "is required: what was checked")
        collector.require(request.note.unicodeScalars.count <= 2_000, "note", "is longer than 2,000 characters")
        try collector.throwIfAny()
        guard let id else { throw ValidationFailure(field: "check_id", "is required") }
        let call = try CallContext.tenantCall()
        let (market, note) = (request.market, request.note)
        let (check, drafts) = try await store.write(for: call) { tx in
            guard let check = try await ContentRepository.check(id: id, in: tx) else { throw Self.checkNotFound }
            call.touch("copy_check:\(CopyChecks.id(id))")
            guard let verdict = check.verdicts.first(where: { $0.market == market }) else {
                throw RPCError(
                    code: .failedPrecondition,
                    message:
                        "market: the check is for \(check.verdicts.map(\.market).joined(separator: ", ")), not \(market)"
                )
            }
            switch verdict.severity {
            case .block:
                throw RPCError(
                    code: .failedPrecondition,
                    message: "market: the text is blocked in \(market) and cannot be approved; rewrite it")
            case .warn, .pass:
                throw RPCError(code: .failedPrecondition, message: "market: nothing in \(market) needs approval")
            case .review:
                break
            }
            if let rule = verdict.findings.first(where: { $0.severity == .review && !$0.exemptible }) {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "market: \(rule.ruleID) cannot be approved in \(market); rewrite the text")
            }
            guard
                try await ContentRepository.approve(
                    checkID: id, market: market, approvedBy: call.principal.id, note: note, in: tx)
            else {
                throw RPCError(code: .alreadyExists, message: "market: \(market) is approved on this check already")
            }
            call.wrote(rows: 1)
            guard let approved = try await ContentRepository.check(id: id, in: tx) else { throw Self.checkNotFound }
            return (approved, try await Self.currentDrafts(campaignID: approved.campaignID, in: tx))
        }
        return ProtoMapping.proto(check, drafts: Self.matching(drafts, check))
    }

    // MARK: Glossaries

    func putGlossary(request: Tradewind_V1_PutGlossaryRequest, context: ServerContext) async throws
        -> Tradewind_V1_Glossary
    {
        var collector = ViolationCollector()
        let glossary = ProtoMapping.glossary(request.glossary, prefix: "glossary", into: &collector)
        var revision: Int64?
        if !request.glossary.version.isEmpty {
            revision = Int64(request.glossary.version)
            if revision == nil { collector.add("glossary.version", "must be the version the glossary was read at") }
        }
        try collector.throwIfAny()
        // Its terms must compile as rules do (none folds to nothing).
        do { _ = try CompiledCopyRules([glossary.rulePack(version: "0")]) } catch {
            throw ValidationFailure(field: "glossary", error.problem)
        }
        let call = try CallContext.tenantCall()
        let readRevision = revision
        let stored = try await store.write(for: call) { tx in
            // The write itself settles a race (a new glossary conflicts, a replacement names its
            // revision); the current one is read only to say why a replacement was refused.
            guard
                let stored = try await ContentRepository.putGlossary(
                    glossary, revision: readRevision, createdBy: call.principal.id, in: tx)
            else {
                if readRevision == nil {
                    throw RPCError(
                        code: .alreadyExists,
                        message: "glossary: \(glossary.market) \(glossary.language) exists; replace it with its version"
                    )
                }
                guard
                    let current = try await ContentRepository.glossary(
                        market: glossary.market, language: glossary.language, in: tx)
                else { throw Self.glossaryNotFound }
                throw RPCError(
                    code: .aborted,
                    message: "glossary.version: the glossary is at version \(current.revision); read it again")
            }
            call.touch("glossary:\(glossary.market)/\(glossary.language)@\(stored)")
            call.wrote(rows: 1)
            return stored
        }
        return ProtoMapping.proto(glossary, revision: stored)
    }

    static let glossaryNotFound = RPCError(code: .notFound, message: "no such glossary")

    func getGlossary(request: Tradewind_V1_GetGlossaryRequest, context: ServerContext) async throws
        -> Tradewind_V1_Glossary
    {
        let call = try CallContext.tenantCall()
        let (market, language) = (request.market, request.language)
        let (glossary, revision) = try await store.read(for: call) { tx in
            guard let found = try await ContentRepository.glossary(market: market, language: language, in: tx) else {
                throw Self.glossaryNotFound
            }
            call.touch("glossary:\(market)/\(language)@\(found.revision)")
            call.read(rows: 1)
            return found
        }
        return ProtoMapping.proto(glossary, revision: revision)
    }

    func listGlossaries(request: Tradewind_V1_ListGlossariesRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListGlossariesResponse
    {
        let call = try CallContext.tenantCall()
        let glossaries = try await store.read(for: call) { tx in
            let found = try await ContentRepository.glossaries(in: tx)
            call.read(rows: found.count)
            return found
        }
        return .with { $0.glossaries = glossaries.map { ProtoMapping.proto($0.0, revision: $0.revision) } }
    }

    func deleteGlossary(request: Tradewind_V1_DeleteGlossaryRequest, context: ServerContext) async throws
        -> Tradewind_V1_DeleteGlossaryResponse
    {
        let call = try CallContext.tenantCall()
        let (market, language) = (request.market, request.language)
        try await store.write(for: call) { tx in
            guard try await ContentRepository.deleteGlossary(market: market, language: language, in: tx) else {
                throw Self.glossaryNotFound
            }
            call.touch("glossary:\(market)/\(language)")
            call.wrote(rows: 1)
        }
        return .init()
    }

    // MARK: Messages

    static let maximumTemplateLength = 10_000

    func renderMessage(request: Tradewind_V1_RenderMessageRequest, context: ServerContext) async throws
        -> Tradewind_V1_RenderMessageResponse
    {
        var collector = ViolationCollector()
        collector.require(!request.template.isEmpty, "template", "is required")
        collector.require(
            request.template.unicodeScalars.count <= Self.maximumTemplateLength, "template",
            "is longer than \(Self.maximumTemplateLength) characters")
        collector.require(!request.locale.isEmpty, "locale", "is required: an ICU locale with a region, such as ar_SA")
        var arguments: [String: MessageValue] = [:]
        for (name, argument) in request.arguments.sorted(by: { $0.key < $1.key }) {
            switch argument.value {
            case .number(let number): arguments[name] = .number(number)
            case .text(let text): arguments[name] = .text(text)
            case nil: collector.add("arguments[\(name)]", "needs a number or a text")
            }
        }
        try collector.throwIfAny()
        _ = try CallContext.tenantCall()
        let template = MessageTemplate(request.template)
        do {
            let problems = try template.lint(locale: request.locale)
            guard problems.isEmpty else {
                throw ValidationFailure(problems.map { FieldViolation(field: "template", description: $0.description) })
            }
            var text = try template.render(locale: request.locale, arguments: arguments)
            if Self.isRightToLeft(request.locale) { text = BidiIsolation.isolate(text, baseDirection: .rightToLeft) }
            return .with { $0.text = text }
        } catch let error as LocalizationError {
            switch error {
            case .invalidLocale: throw ValidationFailure(field: "locale", error.description)
            case .missingArgument, .unknownArgument, .wrongArgumentType:
                throw ValidationFailure(field: "arguments", error.description)
            case .invalidTemplate, .icu: throw ValidationFailure(field: "template", error.description)
            }
        }
    }

    /// Locales written right to left: Arabic, Hebrew, Persian, Urdu.
    static func isRightToLeft(_ locale: String) -> Bool {
        ["ar", "he", "iw", "fa", "ur"].contains(CompiledCopyRules.primaryLanguage(locale))
    }

    /// The campaign's ads' texts as they are now.
    private static func currentDrafts(campaignID: UUID, in tx: TenantTransaction) async throws -> [UUID: CopyDraft] {
        guard let campaign = try await CampaignRepository.get(id: campaignID, in: tx) else { return [:] }
        return drafts(of: campaign)
    }

    /// Each ad's texts, by ad.
    private static func drafts(of campaign: CampaignRecord) -> [UUID: CopyDraft] {
        Dictionary(campaign.adCopies.map { ($0.adID, $0.draft) }, uniquingKeysWith: { first, _ in first })
    }

    /// The ad's texts, if they are still those the check was made on.
    private static func matching(_ drafts: [UUID: CopyDraft], _ check: CopyCheckRecord) -> [UUID: CopyDraft] {
        guard let draft = drafts[check.adID], draft.fingerprint == check.fingerprint else { return [:] }
        return [check.adID: draft]
    }

    /// 1 to 30 distinct ISO 3166-1 alpha-2 codes, in the order given.
    static func markets(_ values: [String], into collector: inout ViolationCollector) -> [String] {
        if values.isEmpty { collector.add("markets", "is required: 1 to \(maximumMarkets) ISO 3166-1 alpha-2 codes") }
        if values.count > maximumMarkets {
            collector.add("markets", "names \(values.count) markets; at most \(maximumMarkets) per call")
        }
        var seen = Set<String>()
        for (index, market) in values.enumerated() {
            if !FieldFormats.isValidCountryCode(market) {
                collector.add("markets[\(index)]", "is not an ISO 3166-1 alpha-2 code in upper case")
            } else if !seen.insert(market).inserted {
                collector.add("markets[\(index)]", "repeats \(market)")
            }
        }
        return values
    }
}
