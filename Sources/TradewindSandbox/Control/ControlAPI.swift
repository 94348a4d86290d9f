import Foundation
import HTTPTypes

/// The control API under `/_sandbox/`: provisioning, faults, the clock, token lifetimes, rate limits,
/// and read-only views of what the sandbox holds (objects, customer lists and their member hashes),
/// received and would report. JSON in and out, no auth
/// (the responder answers it from localhost only).
struct ControlAPI: Sendable {
    let store: SandboxStore

    func handle(_ call: IncomingCall) async -> Reply {
        let body = call.body.isEmpty ? JSONValue.object([:]) : JSONValue.parse(call.body)
        guard let body else { return Self.problem(.badRequest, "the body is not JSON") }
        switch (call.method, call.path.first ?? "") {
        case (.post, "accounts"): return provisionAccount(body)
        case (.get, "accounts"): return listAccounts(call)
        case (.post, "faults"): return addFault(body)
        case (.get, "faults"): return .json(.ok, ["faults": .array(store.read { $0.faults }.map(\.json))])
        case (.delete, "faults"):
            store.write { $0.faults = [] }
            return .json(.ok, ["faults": []])
        case (.post, "tokens"): return setTokenLifetime(body)
        case (.post, "clock"): return setClock(body)
        case (.get, "clock"): return .json(.ok, clockJSON())
        case (.post, "reset"):
            store.write { $0.reset() }
            store.resetTransient()
            return .json(.ok, ["seed": .string(String(store.read { $0.seed }))])
        case (.post, "rate-limits"): return setRateLimit(body)
        case (.post, "settings"): return setSettings(body)
        case (.get, "objects"): return listObjects(call)
        case (.get, "audiences"): return listAudiences(call)
        case (.get, "requests"): return listRequests(call)
        case (.get, "metrics"): return metrics(call)
        default: return Self.problem(.notFound, "no control operation \(call.method.rawValue) \(call.pathText)")
        }
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String) -> Reply {
        .json(status, ["error": .string(message)])
    }

    private func channel(_ value: JSONValue?) -> AdChannel? {
        value?.stringValue.flatMap(AdChannel.init(rawValue:))
    }

    // MARK: Accounts and tokens

    private func provisionAccount(_ body: JSONValue) -> Reply {
        guard let channel = channel(body["channel"]) else {
            return Self.problem(.badRequest, "channel must be one of google-ads, meta, tiktok, amazon-ads")
        }
        guard let id = body["id"]?.stringValue ?? body["id"]?.int64Value.map(String.init),
            !id.isEmpty, id.allSatisfy(\.isNumber)
        else { return Self.problem(.badRequest, "id must be the channel's numeric account id") }
        guard let currency = body["currency"]?.stringValue, currency.count == 3 else {
            return Self.problem(.badRequest, "currency must be an ISO 4217 code")
        }
        guard let timeZone = body["time_zone"]?.stringValue, TimeZone(identifier: timeZone) != nil else {
            return Self.problem(.badRequest, "time_zone must be an IANA time zone")
        }
        var credentials = AccountCredentials.defaults(channel: channel, account: id)
        if let given = body["credentials"] {
            credentials.clientID = given["client_id"]?.stringValue ?? credentials.clientID
            credentials.clientSecret = given["client_secret"]?.stringValue ?? credentials.clientSecret
            credentials.refreshToken = given["refresh_token"]?.stringValue ?? credentials.refreshToken
            credentials.developerToken = given["developer_token"]?.stringValue ?? credentials.developerToken
            credentials.accessToken = given["access_token"]?.stringValue ?? credentials.accessToken
        }
        let account = SandboxAccount(
            channel: channel, id: id, name: body["name"]?.stringValue ?? "Sandbox \(channel.rawValue) \(id)",
            currency: currency.uppercased(), timeZone: timeZone,
            countryCode: body["country_code"]?.stringValue?.uppercased() ?? "US", credentials: credentials)
        store.write { world in world.provision(account) }
        return .json(.created, account.json)
    }

    private func listAccounts(_ call: IncomingCall) -> Reply {
        let wanted = call.query["channel"].flatMap(AdChannel.init(rawValue:))
        let accounts = store.read { $0.accounts }.filter { wanted == nil || $0.channel == wanted }
        return .json(.ok, ["accounts": .array(accounts.map(\.json))])
    }

    private func setTokenLifetime(_ body: JSONValue) -> Reply {
        guard let channel = channel(body["channel"]), let seconds = body["lifetime_seconds"]?.int64Value,
            seconds > 0
        else { return Self.problem(.badRequest, "needs channel and a positive lifetime_seconds") }
        store.write { $0.tokenLifetimeSeconds[channel] = Int(seconds) }
        return .json(.ok, ["channel": .string(channel.rawValue), "lifetime_seconds": .int(seconds)])
    }

    private func setRateLimit(_ body: JSONValue) -> Reply {
        guard let channel = channel(body["channel"]), let limit = body["requests_per_minute"]?.int64Value,
            limit > 0
        else { return Self.problem(.badRequest, "needs channel and a positive requests_per_minute") }
        store.write { $0.requestsPerMinute[channel] = Int(limit) }
        return .json(.ok, ["channel": .string(channel.rawValue), "requests_per_minute": .int(limit)])
    }

    private func setSettings(_ body: JSONValue) -> Reply {
        if let polls = body["amazon_report_polls_per_step"]?.int64Value, polls > 0 {
            store.write { $0.amazonPollsPerStep = Int(polls) }
        }
        return .json(.ok, ["amazon_report_polls_per_step": .int(Int64(store.read { $0.amazonPollsPerStep }))])
    }

    // MARK: Faults

    private func addFault(_ body: JSONValue) -> Reply {
        guard let channel = channel(body["channel"]) else {
            return Self.problem(.badRequest, "channel must be one of google-ads, meta, tiktok, amazon-ads")
        }
        guard let kindText = body["kind"]?.stringValue, let kind = FaultRule.Kind(rawValue: kindText) else {
            let kinds = FaultRule.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            return Self.problem(.badRequest, "kind must be one of \(kinds)")
        }
        let times = body["times"]?.int64Value ?? 1
        guard times >= 0 else { return Self.problem(.badRequest, "times must be 0 (until cleared) or more") }
        let rule = store.write { world -> FaultRule in
            let rule = FaultRule(
                id: world.nextFaultID, channel: channel,
                account: body["account"]?.stringValue ?? body["account"]?.int64Value.map(String.init),
                operation: body["operation"]?.stringValue, kind: kind, remaining: times == 0 ? nil : Int(times),
                latencyMs: Int(body["latency_ms"]?.int64Value ?? 2_000),
                retryAfterSeconds: Int(body["retry_after_seconds"]?.int64Value ?? 30))
            world.nextFaultID += 1
            world.faults.append(rule)
            return rule
        }
        return .json(.created, rule.json)
    }

    // MARK: Clock

    private func setClock(_ body: JSONValue) -> Reply {
        if body["today"] == .null || body["today"] == nil {
            store.write { $0.clockDay = nil }
            return .json(.ok, clockJSON())
        }
        guard let text = body["today"]?.stringValue, let day = SandboxDay(text) else {
            return Self.problem(.badRequest, "today must be YYYY-MM-DD or null")
        }
        store.write { $0.clockDay = day }
        return .json(.ok, clockJSON())
    }

    private func clockJSON() -> JSONValue {
        let (today, fixed) = store.read { ($0.today, $0.clockDay != nil) }
        return ["today": .string(today.description), "fixed": .bool(fixed)]
    }

    // MARK: Inspection

    private func listObjects(_ call: IncomingCall) -> Reply {
        let channel = call.query["channel"].flatMap(AdChannel.init(rawValue:))
        let account = call.query["account"]
        let objects = store.read { world in
            world.objects.filter {
                (channel == nil || $0.channel == channel) && (account == nil || $0.account == account)
            }
        }
        return .json(.ok, ["objects": .array(objects.sorted { $0.sequence < $1.sequence }.map(\.json))])
    }

    /// `GET /_sandbox/audiences?channel=…[&account=…][&id=…]`: every customer list of a channel (of an
    /// account, or the one list) with its members' hashes, sorted, how many hashes ever joined it, and
    /// Google's offline user data jobs.
    private func listAudiences(_ call: IncomingCall) -> Reply {
        guard let channel = call.query["channel"].flatMap(AdChannel.init(rawValue:)) else {
            return Self.problem(.badRequest, "channel must be one of google-ads, meta, tiktok, amazon-ads")
        }
        let account = call.query["account"]
        let id = call.query["id"]
        let (lists, jobs) = store.read { world in
            (
                world.audiences(channel, account: account).filter { id == nil || $0.id == id },
                channel == .googleAds
                    ? world.audienceBook.googleJobs.values.filter { account == nil || $0.customerID == account } : []
            )
        }
        var body: [String: JSONValue] = ["audiences": .array(lists.map(\.json))]
        if channel == .googleAds {
            body["jobs"] = .array(
                jobs.sorted { $0.id.count != $1.id.count ? $0.id.count < $1.id.count : $0.id < $1.id }.map(\.json))
        }
        return .json(.ok, .object(body))
    }

    private func listRequests(_ call: IncomingCall) -> Reply {
        let channel = call.query["channel"].flatMap(AdChannel.init(rawValue:))
        return .json(.ok, ["requests": .array(store.requestLog(channel: channel).map(\.json))])
    }

    private func metrics(_ call: IncomingCall) -> Reply {
        guard let channel = call.query["channel"].flatMap(AdChannel.init(rawValue:)),
            let account = call.query["account"]
        else { return Self.problem(.badRequest, "needs channel and account") }
        let level = call.query["level"] ?? "campaign"
        guard ["campaign", "ad_group", "ad"].contains(level) else {
            return Self.problem(.badRequest, "level must be campaign, ad_group or ad")
        }
        let result = store.read { world -> Reply in
            guard let owner = world.account(channel, account) else {
                return Self.problem(.notFound, "no \(channel.rawValue) account \(account)")
            }
            let today = world.today
            let from = call.query["from"].flatMap(SandboxDay.init) ?? today.adding(days: -30)
            let to = call.query["to"].flatMap(SandboxDay.init) ?? today
            let rows =
                switch level {
                case "ad": store.adDays(channel, account: account, from: from, to: to, in: world).map(\.neutralJSON)
                case "ad_group":
                    store.adGroupDays(channel, account: account, from: from, to: to, in: world).map(\.neutralJSON)
                default: store.campaignDays(channel, account: account, from: from, to: to, in: world).map(\.neutralJSON)
                }
            return .json(
                .ok,
                [
                    "channel": .string(channel.rawValue), "account": .string(account),
                    "currency": .string(owner.currency), "today": .string(today.description),
                    "from": .string(from.description), "to": .string(to.description),
                    "level": .string(level), "rows": .array(rows),
                ])
        }
        return result
    }
}

extension World {
    /// Adds or replaces an account and registers its ready access token.
    mutating func provision(_ account: SandboxAccount) {
        accounts.removeAll { $0.channel == account.channel && $0.id == account.id }
        accounts.append(account)
        let lifetime: Int? =
            switch account.channel {
            case .googleAds, .amazonAds: tokenLifetimeSeconds[account.channel] ?? 3600
            case .meta, .tiktok: tokenLifetimeSeconds[account.channel]
            }
        tokens[account.credentials.accessToken] = IssuedToken(
            channel: account.channel, subject: account.credentials.clientID,
            expiresAt: lifetime.map { Date(timeIntervalSinceNow: TimeInterval($0)) })
    }

    /// Issues an access token from a token endpoint, with the channel's current token lifetime.
    mutating func issueToken(_ channel: AdChannel, subject: String, defaultLifetime: Int?, prefix: String) -> (
        String, Int?
    ) {
        let lifetime = tokenLifetimeSeconds[channel] ?? defaultLifetime
        let counter = (idCounters[channel] ?? 0) + 1
        idCounters[channel] = counter
        let token =
            prefix
            + SeededHash.text(
                [String(seed), channel.rawValue, subject, String(counter), String(Date().timeIntervalSince1970)],
                length: 40, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        tokens[token] = IssuedToken(
            channel: channel, subject: subject, expiresAt: lifetime.map { Date(timeIntervalSinceNow: TimeInterval($0)) }
        )
        return (token, lifetime)
    }
}

extension SandboxAccount {
    var json: JSONValue {
        [
            "channel": .string(channel.rawValue), "id": .string(id), "name": .string(name),
            "currency": .string(currency), "time_zone": .string(timeZone), "country_code": .string(countryCode),
            "credentials": [
                "client_id": .string(credentials.clientID), "client_secret": .string(credentials.clientSecret),
                "refresh_token": .string(credentials.refreshToken),
                "developer_token": .string(credentials.developerToken),
                "access_token": .string(credentials.accessToken),
            ],
        ]
    }
}

extension FaultRule {
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .int(Int64(id)), "channel": .string(channel.rawValue), "kind": .string(kind.rawValue),
            "times": .int(Int64(remaining ?? 0)), "latency_ms": .int(Int64(latencyMs)),
            "retry_after_seconds": .int(Int64(retryAfterSeconds)),
        ]
        if let account { object["account"] = .string(account) }
        if let operation { object["operation"] = .string(operation) }
        return .object(object)
    }
}

extension AdObject {
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "channel": .string(channel.rawValue), "account": .string(account), "level": .string(level.rawValue),
            "id": .string(id), "sequence": .int(Int64(sequence)), "name": .string(name), "status": .string(status),
            "start_date": .string(startDay.description), "fields": .object(fields),
        ]
        if let parentID { object["parent_id"] = .string(parentID) }
        if let endDay { object["end_date"] = .string(endDay.description) }
        if let budgetObjectID { object["budget_object_id"] = .string(budgetObjectID) }
        if let budget = timeline.last?.dailyBudgetMicros { object["daily_budget_micros"] = .int(budget) }
        return .object(object)
    }
}

extension SandboxAudience {
    var json: JSONValue {
        let emails = emails.sorted()
        let phones = phones.sorted()
        return [
            "channel": .string(channel.rawValue), "account": .string(account), "id": .string(id),
            "name": .string(name), "sequence": .int(Int64(sequence)), "member_hashes": .int(Int64(memberCount)),
            "hashes_added": .int(Int64(hashesAdded ?? 0)), "email_sha256": .array(emails.map { .string($0) }),
            "phone_sha256": .array(phones.map { .string($0) }),
            "hashes": .array((emails + phones).sorted().map { .string($0) }),
        ]
    }
}

extension GoogleUserDataJob {
    var json: JSONValue {
        [
            "id": .string(id), "customer_id": .string(customerID), "user_list_id": .string(userListID),
            "status": .string(status), "pending_operations": .int(Int64(operations.count)),
        ]
    }
}

extension CampaignDay {
    /// The neutral ground-truth row of `GET /_sandbox/metrics`.
    var neutralJSON: JSONValue {
        .object(
            figures.neutralFields.merging(["campaign_id": .string(campaignID), "date": .string(day.description)]) { $1 }
        )
    }
}

extension AdGroupDay {
    /// The neutral ground-truth row of `GET /_sandbox/metrics?level=ad_group`.
    var neutralJSON: JSONValue {
        .object(
            figures.neutralFields.merging([
                "campaign_id": .string(campaignID), "ad_group_id": .string(adGroupID), "date": .string(day.description),
            ]) { $1 })
    }
}

extension AdDay {
    /// The neutral ground-truth row of `GET /_sandbox/metrics?level=ad`; `ad_id` is the channel's own
    /// id of the ad (on Google the ad's, not the ad group ad's).
    var neutralJSON: JSONValue {
        .object(
            figures.neutralFields.merging([
                "campaign_id": .string(campaignID), "ad_group_id": .string(adGroupID), "ad_id": .string(channelAdID),
                "date": .string(day.description),
            ]) { $1 })
    }
}

extension DailyFigures {
    var neutralFields: [String: JSONValue] {
        [
            "impressions": .int(impressions), "clicks": .int(clicks), "spend_micros": .int(spendMicros),
            "conversions": .int(conversions), "conversion_value_micros": .int(conversionValueMicros),
        ]
    }
}
