import Foundation
import HTTPTypes

/// One `GoogleAdsError` (google/ads/googleads/v21/errors/errors.proto) in proto3-JSON.
struct GoogleAdsError: Error, Sendable {
    /// The `ErrorCode` oneof member in lowerCamelCase (`campaignError`) and its enum name.
    var category: String
    var code: String
    var message: String
    var trigger: JSONValue?
    /// `ErrorLocation.field_path_elements`, with proto (snake_case) field names as the API sends them.
    var path: [FieldPathElement]
    var details: JSONValue?

    init(
        _ category: String, _ code: String, _ message: String, trigger: JSONValue? = nil,
        path: [FieldPathElement] = [], details: JSONValue? = nil
    ) {
        self.category = category
        self.code = code
        self.message = message
        self.trigger = trigger
        self.path = path
        self.details = details
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "errorCode": .object([category: .string(code)]), "message": .string(message),
        ]
        if let trigger { object["trigger"] = trigger }
        if !path.isEmpty { object["location"] = ["fieldPathElements": .array(path.map(\.json))] }
        if let details { object["details"] = details }
        return .object(object)
    }

    /// "operations[1].create.name", as the partial-failure message names the location.
    var pathText: String {
        path.map { element in element.index.map { "\(element.name)[\($0)]" } ?? element.name }
            .joined(separator: ".")
    }

    /// A `google.ads.googleads.v21.common.Value` trigger.
    static func trigger(_ text: String) -> JSONValue { ["stringValue": .string(text)] }
    static func trigger(int: Int64) -> JSONValue { ["int64Value": .string(String(int))] }
}

struct FieldPathElement: Sendable {
    var name: String
    var index: Int?

    init(_ name: String, _ index: Int? = nil) {
        self.name = name
        self.index = index
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["fieldName": .string(name)]
        if let index { object["index"] = .int(Int64(index)) }
        return .object(object)
    }
}

/// The google.rpc.Status bodies Google Ads answers with.
enum GoogleAdsStatus {
    static let failureType = "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure"

    /// `{"error":{code,message,status,details:[GoogleAdsFailure]}}`, the whole call failed.
    static func failure(
        _ status: HTTPResponse.Status, _ rpcStatus: String, _ message: String, errors: [GoogleAdsError],
        requestID: String
    ) -> Reply {
        var error: [String: JSONValue] = [
            "code": .int(Int64(status.code)), "message": .string(message), "status": .string(rpcStatus),
        ]
        if !errors.isEmpty { error["details"] = [failureDetail(errors, requestID: requestID)] }
        return .json(status, ["error": .object(error)])
    }

    static func failureDetail(_ errors: [GoogleAdsError], requestID: String) -> JSONValue {
        [
            "@type": .string(failureType), "errors": .array(errors.map(\.json)),
            "requestId": .string(requestID),
        ]
    }

    /// The request could not be parsed as proto3-JSON: Google's front end answers with a
    /// `google.rpc.BadRequest`, not a GoogleAdsFailure, even when `partialFailure` is set.
    static func badJSON(_ field: String, _ description: String) -> Reply {
        .json(
            .badRequest,
            [
                "error": [
                    "code": 400, "message": .string(description), "status": "INVALID_ARGUMENT",
                    "details": [
                        [
                            "@type": "type.googleapis.com/google.rpc.BadRequest",
                            "fieldViolations": [["field": .string(field), "description": .string(description)]],
                        ]
                    ],
                ]
            ])
    }

    /// The message of a partial failure's google.rpc.Status.
    static func partialFailureMessage(_ errors: [GoogleAdsError]) -> String {
        guard let first = errors.first else { return "" }
        let located = first.path.isEmpty ? first.message : "\(first.message), at \(first.pathText)"
        return errors.count == 1 ? located : "Multiple errors in ‘details’. First error: \(located)"
    }
}
