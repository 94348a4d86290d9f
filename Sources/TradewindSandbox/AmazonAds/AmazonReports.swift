import Crypto
import Foundation
import HTTPTypes

/// Reporting v3: `POST /reporting/reports` (Content-Type `application/vnd.createasyncreportrequest.v3+json`)
/// and `GET /reporting/reports/{id}`. A report moves PENDING → PROCESSING → COMPLETED one step per
/// `amazonPollsPerStep` status reads (deterministic); when COMPLETED it carries a pre-signed style `url`.
/// An identical request while a report is still being generated is refused with 425 and the existing
/// id in `detail`. Ranges are at most 31 days, and data is kept for 95 days.
///
/// The report types are spCampaigns, grouped by `campaign`, by `adGroup` (each ad group's share of its
/// campaign, `World.adGroupDays`) or by both, and spAdvertisedProduct, one row per product ad (each
/// ad's share of its ad group, `World.adDays`); `AmazonReportType` holds the groupBy values and
/// columns Amazon documents for each, so that, as on Amazon, `campaignId` in spCampaigns needs
/// `campaign` among the groupBy values and `adGroupId` needs `adGroup`.
struct AmazonReports {
    let context: CallContext
    let profile: String
    let call: IncomingCall

    static let mediaType = "application/vnd.createasyncreportrequest.v3+json"
    static let maxDays = 31
    static let retentionDays = 95
    static let tooEarly = HTTPResponse.Status(code: 425, reasonPhrase: "Too Early")

    private func problem(_ status: HTTPResponse.Status, _ detail: String) -> Reply {
        .json(status, ["code": .string(String(status.code)), "detail": .string(detail)])
    }

    func create() -> Reply {
        guard call.contentType.contains(Self.mediaType) else {
            return problem(.unsupportedMediaType, "Content-Type must be \(Self.mediaType).")
        }
        guard let body = JSONValue.parse(call.body), let configuration = body["configuration"] else {
            return problem(.badRequest, "configuration is required.")
        }
        guard let start = body["startDate"]?.stringValue.flatMap(SandboxDay.init),
            let end = body["endDate"]?.stringValue.flatMap(SandboxDay.init)
        else { return problem(.badRequest, "startDate and endDate must be YYYY-MM-DD.") }
        guard configuration["adProduct"]?.stringValue == "SPONSORED_PRODUCTS" else {
            return problem(.badRequest, "configuration adProduct must be SPONSORED_PRODUCTS in the sandbox.")
        }
        guard let type = AmazonReportType.named(configuration["reportTypeId"]?.stringValue) else {
            return problem(
                .badRequest,
                "configuration reportTypeId must be one of (\(AmazonReportType.served.map(\.id).joined(separator: ", "))) in the sandbox."
            )
        }
        let groupBy = configuration["groupBy"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let columns = configuration["columns"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let detail = type.problem(groupBy: groupBy, columns: columns) { return problem(.badRequest, detail) }
        let timeUnit = configuration["timeUnit"]?.stringValue ?? ""
        guard ["DAILY", "SUMMARY"].contains(timeUnit) else {
            return problem(.badRequest, "configuration timeUnit must be DAILY or SUMMARY.")
        }
        if timeUnit == "DAILY" && columns.contains("startDate") || timeUnit == "SUMMARY" && columns.contains("date") {
            return problem(
                .badRequest, "configuration columns date (DAILY) and startDate/endDate (SUMMARY) follow timeUnit.")
        }
        guard configuration["format"]?.stringValue == "GZIP_JSON" else {
            return problem(.badRequest, "configuration format must be GZIP_JSON.")
        }
        guard start <= end else { return problem(.badRequest, "startDate must be on or before endDate.") }
        guard end.ordinal - start.ordinal < Self.maxDays else {
            return problem(.badRequest, "The report date range cannot exceed \(Self.maxDays) days.")
        }
        let fingerprint = SHA256.hash(data: body.serialized()).map { String(format: "%02x", $0) }.joined()
        return context.store.write { world -> Reply in
            let today = world.today
            guard start.ordinal >= today.ordinal - Self.retentionDays else {
                return problem(.badRequest, "startDate cannot be more than \(Self.retentionDays) days in the past.")
            }
            if let existing = world.amazonReports.first(where: {
                $0.profileID == profile && $0.requestFingerprint == fingerprint
                    && $0.status(pollsPerStep: world.amazonPollsPerStep) != "COMPLETED"
            }) {
                return problem(Self.tooEarly, "The Request is a duplicate of : \(existing.id)")
            }
            let number = world.amazonReports.count + 1
            let id = Self.uuid(["report", String(world.seed), profile, String(number), fingerprint])
            let report = AmazonReport(
                id: id, profileID: profile, requestFingerprint: fingerprint, name: body["name"]?.stringValue,
                startDate: start,
                endDate: end, configuration: configuration, createdAt: Date(), polls: 0, reportedOn: today,
                signature: SeededHash.text(
                    [String(world.seed), id, "signature"], length: 64, alphabet: "0123456789abcdef"))
            world.amazonReports.append(report)
            return .json(.ok, json(report, pollsPerStep: world.amazonPollsPerStep))
        }
    }

    func status(_ id: String) -> Reply {
        context.store.write { world -> Reply in
            guard let index = world.amazonReports.firstIndex(where: { $0.id == id && $0.profileID == profile }) else {
                return problem(.notFound, "Report \(id) not found.")
            }
            world.amazonReports[index].polls += 1
            return .json(.ok, json(world.amazonReports[index], pollsPerStep: world.amazonPollsPerStep))
        }
    }

    private func json(_ report: AmazonReport, pollsPerStep: Int) -> JSONValue {
        let status = report.status(pollsPerStep: pollsPerStep)
        let created = ISO8601DateFormatter().string(from: report.createdAt)
        // The download is on the host the client reached, whatever port the sandbox serves on.
        let host = call.authority ?? "127.0.0.1:7450"
        let completed = status == "COMPLETED"
        return [
            "reportId": .string(report.id), "name": report.name.map(JSONValue.string) ?? .null,
            "status": .string(status),
            "startDate": .string(report.startDate.description), "endDate": .string(report.endDate.description),
            "configuration": report.configuration, "createdAt": .string(created), "updatedAt": .string(created),
            "generatedAt": completed ? .string(created) : .null,
            "url": completed
                ? .string(
                    "https://\(host)/amazon-reports/\(report.id).json.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=\(report.signature)"
                ) : .null,
            "urlExpiresAt": completed
                ? .string(ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: 3600))) : .null,
            "fileSize": completed ? .int(1) : .null, "failureReason": .null,
        ]
    }

    static func uuid(_ parts: [String]) -> String {
        let hex = Array(SeededHash.text(parts, length: 32, alphabet: "0123456789abcdef"))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
    }
}

/// The report files behind the `url` of a COMPLETED report: GZIP JSON, fetched with no Authorization
/// header (a pre-signed S3 URL refuses one), the signature in the query.
struct AmazonReportDownloads: Sendable {
    let store: SandboxStore

    private func s3Error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Reply {
        Reply(
            status: status, headers: [("Content-Type", "application/xml")],
            body: Data(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>\(message)</Message></Error>"
                    .utf8))
    }

    func handle(_ call: IncomingCall) -> Reply {
        guard call.method == .get, call.path.count == 1, call.path[0].hasSuffix(".json.gz") else {
            return s3Error(.notFound, "NoSuchKey", "The specified key does not exist.")
        }
        if call.header("Authorization") != nil {
            return s3Error(
                .badRequest, "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
            )
        }
        let id = String(call.path[0].dropLast(".json.gz".count))
        return store.read { world -> Reply in
            guard let report = world.amazonReports.first(where: { $0.id == id }),
                report.status(pollsPerStep: world.amazonPollsPerStep) == "COMPLETED"
            else { return s3Error(.notFound, "NoSuchKey", "The specified key does not exist.") }
            guard call.query["X-Amz-Signature"] == report.signature else {
                return s3Error(
                    .forbidden, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.")
            }
            let rows = Self.rows(report, world)
            return Reply(
                status: .ok, headers: [("Content-Type", "application/octet-stream"), ("Content-Encoding", "identity")],
                body: Gzip.wrap(JSONValue.array(rows).serialized()))
        }
    }

    /// The report rows as Amazon writes them: numbers for ids and figures, `cost`/`sales*` in major units;
    /// one row per object of the type's grain (ad, ad group or campaign), per day when DAILY.
    static func rows(_ report: AmazonReport, _ world: World) -> [JSONValue] {
        guard let owner = world.account(.amazonAds, report.profileID),
            let type = AmazonReportType.named(report.configuration["reportTypeId"]?.stringValue)
        else { return [] }
        let currency = owner.currencyInfo
        let columns = report.configuration["columns"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let daily = report.configuration["timeUnit"]?.stringValue == "DAILY"
        let groupBy = report.configuration["groupBy"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let (profile, from, to, reportedOn) = (report.profileID, report.startDate, report.endDate, report.reportedOn)
        let days: [Delivery] =
            switch type.grain(groupBy: groupBy) {
            case .ad:
                world.adDays(.amazonAds, account: profile, from: from, to: to, reportedOn: reportedOn).map {
                    Delivery(
                        campaign: $0.campaignID, adGroup: $0.adGroupID, ad: $0.adID, day: $0.day, figures: $0.figures)
                }
            case .adGroup:
                world.adGroupDays(.amazonAds, account: profile, from: from, to: to, reportedOn: reportedOn).map {
                    Delivery(campaign: $0.campaignID, adGroup: $0.adGroupID, day: $0.day, figures: $0.figures)
                }
            default:
                world.campaignDays(.amazonAds, account: profile, from: from, to: to, reportedOn: reportedOn).map {
                    Delivery(campaign: $0.campaignID, day: $0.day, figures: $0.figures)
                }
            }
        var groups: [String: Delivery] = [:]
        for row in days {
            let key = "\(row.ad ?? row.adGroup ?? row.campaign)|\(daily ? row.day.description : "")"
            var group =
                groups[key]
                ?? Delivery(campaign: row.campaign, adGroup: row.adGroup, ad: row.ad, day: daily ? row.day : from)
            group.figures = group.figures + row.figures
            groups[key] = group
        }
        let ordered = groups.values.sorted {
            ($0.day.ordinal, $0.campaign, $0.adGroup ?? "", $0.ad ?? "")
                < ($1.day.ordinal, $1.campaign, $1.adGroup ?? "", $1.ad ?? "")
        }
        return ordered.map { group in
            let campaign = world.object(.amazonAds, group.campaign)
            let cost = JSONValue.double(currency.majorUnits(micros: group.figures.spendMicros))
            let sales = JSONValue.double(currency.majorUnits(micros: group.figures.conversionValueMicros))
            var all: [String: JSONValue] = [
                "campaignId": .int(Int64(group.campaign) ?? 0), "campaignName": .string(campaign?.name ?? ""),
                "campaignStatus": .string(campaign?.status ?? ""),
                "campaignBudgetCurrencyCode": .string(owner.currency),
                "campaignBudgetAmount": campaign?.fields["budget"]?["budget"] ?? .null,
                "campaignBudgetType": campaign?.fields["budget"]?["budgetType"] ?? .null,
                "impressions": .int(group.figures.impressions), "clicks": .int(group.figures.clicks),
                "cost": cost, "spend": cost,
                "startDate": .string(report.startDate.description), "endDate": .string(report.endDate.description),
            ]
            if let id = group.adGroup {
                let adGroup = world.object(.amazonAds, id)
                all["adGroupId"] = .int(Int64(id) ?? 0)
                all["adGroupName"] = .string(adGroup?.name ?? "")
                all["adStatus"] = .string(adGroup?.status ?? "")
            }
            if let id = group.ad {
                let ad = world.object(.amazonAds, id)
                all["adId"] = .int(Int64(id) ?? 0)
                all["advertisedAsin"] = ad?.fields["asin"] ?? .null
                all["advertisedSku"] = ad?.fields["sku"] ?? .null
            }
            for window in ["1d", "7d", "14d", "30d"] {
                all["purchases\(window)"] = .int(group.figures.conversions)
                all["purchasesSameSku\(window)"] = .int(group.figures.conversions)
                all["sales\(window)"] = sales
                all["attributedSalesSameSku\(window)"] = sales
            }
            if daily { all["date"] = .string(group.day.description) }
            return .object(all.filter { columns.contains($0.key) })
        }
    }

    /// Delivery of one object (the report's grain) on a day, or summed over the range when SUMMARY.
    struct Delivery {
        var campaign: String
        var adGroup: String?
        var ad: String?
        var day: SandboxDay
        var figures: DailyFigures = .zero
    }
}
