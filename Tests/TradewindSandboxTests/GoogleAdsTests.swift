import Foundation
import Testing

@testable import TradewindSandbox

@Suite struct GoogleAdsTests {
    let harness = SandboxHarness().withDefaultAccounts()
    typealias Client = SandboxHarness.Client

    /// Creates a budget and returns its resource name.
    static func budget(_ client: Client, amount: String = "50000000") async throws -> String {
        let answer = try await client.google(
            "campaignBudgets:mutate",
            ["operations": [["create": ["name": "B \(amount)", "amountMicros": .string(amount)]]]])
        #expect(answer.status == 200)
        return try #require(answer.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
    }

    @Test func tokenEndpointAndAuthHeaders() async throws {
        try await harness.run { client in
            let token = try await client.call(
                .post, "/google-oauth/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(
                    "grant_type=refresh_token&refresh_token=sandbox-refresh-google-ads-1234567890&client_id=sandbox-google-ads-client&client_secret=sandbox-google-ads-secret"
                        .utf8))
            #expect(token.status == 200)
            #expect(
                hasShape(try #require(token.json), of: try Fixtures.load("google-ads", "oauth_token.response.json"))
                    .isEmpty)
            let bad = try await client.call(
                .post, "/google-oauth/token",
                body: Data(
                    "grant_type=refresh_token&refresh_token=nope&client_id=sandbox-google-ads-client&client_secret=sandbox-google-ads-secret"
                        .utf8))
            #expect(bad.status == 400 && bad.json?["error"] == "invalid_grant")

            let query: JSONValue = ["query": "SELECT customer.id FROM customer"]
            let missing = try await client.call(
                .post, "/google-ads/v21/customers/1234567890/googleAds:search", json: query)
            #expect(missing.status == 401 && missing.json?["error"]?["status"] == "UNAUTHENTICATED")
            #expect(missing.headers["request-id"] != nil)
            let noDeveloperToken = try await client.call(
                .post, "/google-ads/v21/customers/1234567890/googleAds:search",
                headers: [("Authorization", "Bearer sandbox-access-google-ads-1234567890")], json: query)
            #expect(noDeveloperToken.status == 401)
            let other = try await client.call(
                .post, "/google-ads/v21/customers/999/googleAds:search", headers: Client.googleHeaders, json: query)
            #expect(other.status == 403)
            let fresh = try #require(token.json?["access_token"]?.stringValue)
            let ok = try await client.call(
                .post, "/google-ads/v21/customers/1234567890/googleAds:search",
                headers: [("Authorization", "Bearer \(fresh)"), ("developer-token", "sandbox-developer-token")],
                json: query)
            #expect(ok.status == 200)
            #expect(ok.json?["results"]?.arrayValue?.first?["customer"]?["id"] == "1234567890")
        }
    }

    @Test func createReadUpdateRemoveEveryLevel() async throws {
        try await harness.run { client in
            let budget = try await Self.budget(client)
            let campaign = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "name": "C1", "status": "ENABLED", "advertisingChannelType": "SEARCH",
                                "campaignBudget": .string(budget), "manualCpc": [:],
                            ]
                        ]
                    ]
                ])
            let campaignName = try #require(campaign.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
            let group = try await client.google(
                "adGroups:mutate",
                [
                    "operations": [
                        ["create": ["name": "G1", "campaign": .string(campaignName), "cpcBidMicros": "1000000"]]
                    ]
                ])
            let groupName = try #require(group.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
            let headlines: [JSONValue] = ["Fast shipping", "Great prices", "Shop now"].map { ["text": .string($0)] }
            let ad = try await client.google(
                "adGroupAds:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "adGroup": .string(groupName), "status": "ENABLED",
                                "ad": [
                                    "finalUrls": ["https://example.com"],
                                    "responsiveSearchAd": [
                                        "headlines": .array(headlines),
                                        "descriptions": [["text": "One"], ["text": "Two"]],
                                    ],
                                ],
                            ]
                        ]
                    ]
                ])
            #expect(ad.status == 200)
            let adName = try #require(ad.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
            #expect(adName.contains("~"))

            let updated = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "update": ["resourceName": .string(campaignName), "status": "PAUSED"],
                            "updateMask": "status",
                        ]
                    ], "responseContentType": "MUTABLE_RESOURCE",
                ])
            #expect(updated.json?["results"]?.arrayValue?.first?["campaign"]?["status"] == "PAUSED")
            let search = try await client.google(
                "googleAds:search",
                [
                    "query":
                        "SELECT campaign.id, campaign.status, campaign_budget.amount_micros FROM campaign WHERE campaign.name LIKE '%C%'"
                ])
            let row = try #require(search.json?["results"]?.arrayValue?.first)
            #expect(row["campaign"]?["status"] == "PAUSED")
            #expect(row["campaignBudget"]?["amountMicros"] == "50000000")

            let removed = try await client.google("adGroupAds:mutate", ["operations": [["remove": .string(adName)]]])
            #expect(removed.status == 200)
            let again = try await client.google("adGroupAds:mutate", ["operations": [["remove": .string(adName)]]])
            #expect(again.status == 400)
            let inUse = try await client.google("campaignBudgets:mutate", ["operations": [["remove": .string(budget)]]])
            #expect(
                inUse.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]?[
                    "campaignBudgetError"] == "CAMPAIGN_BUDGET_IN_USE")
            let objects = try await client.control(.get, "objects?channel=google-ads")
            #expect(objects.json?["objects"]?.arrayValue?.count == 4)
        }
    }

    @Test func validationErrorsUseGoogleAdsFailure() async throws {
        try await harness.run { client in
            let budget = try await Self.budget(client)
            let nonMultiple = try await client.google(
                "campaignBudgets:mutate", ["operations": [["create": ["amountMicros": "1234567"]]]])
            #expect(nonMultiple.status == 400)
            #expect(
                hasShape(
                    try #require(nonMultiple.json), of: try Fixtures.load("google-ads", "invalid_argument.error.json")
                ).isEmpty)
            let create: JSONValue = [
                "name": "Dup", "advertisingChannelType": "SEARCH", "campaignBudget": .string(budget),
            ]
            _ = try await client.google("campaigns:mutate", ["operations": [["create": create]]])
            let duplicate = try await client.google("campaigns:mutate", ["operations": [["create": create]]])
            let error = duplicate.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first
            #expect(error?["errorCode"]?["campaignError"] == "DUPLICATE_CAMPAIGN_NAME")
            #expect(error?["location"]?["fieldPathElements"]?.arrayValue?.last?["fieldName"] == "name")

            let badEnum = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "name": "X", "status": "LIVE", "advertisingChannelType": "SEARCH",
                                "campaignBudget": .string(budget),
                            ]
                        ]
                    ]
                ])
            #expect(badEnum.status == 400)
            #expect(
                badEnum.json?["error"]?["details"]?.arrayValue?.first?["@type"]
                    == "type.googleapis.com/google.rpc.BadRequest")

            let group = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "name": "For ads", "advertisingChannelType": "SEARCH",
                                "campaignBudget": .string(budget),
                            ]
                        ]
                    ]
                ])
            let campaignName = try #require(group.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
            let adGroup = try await client.google(
                "adGroups:mutate", ["operations": [["create": ["name": "G", "campaign": .string(campaignName)]]]])
            let groupName = try #require(adGroup.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
            // 16 double-width characters count 32 > 30.
            let long = String(repeating: "速", count: 16)
            let ad = try await client.google(
                "adGroupAds:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "adGroup": .string(groupName),
                                "ad": [
                                    "finalUrls": ["https://example.com"],
                                    "responsiveSearchAd": [
                                        "headlines": [["text": "A"], ["text": .string(long)], ["text": "C"]],
                                        "descriptions": [["text": "One"]],
                                    ],
                                ],
                            ]
                        ]
                    ]
                ])
            let errors = ad.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue ?? []
            #expect(
                errors.contains {
                    $0["errorCode"]?["adError"] == "TOO_LONG"
                        && $0["location"]?["fieldPathElements"]?.arrayValue?[4]["index"] == 1
                })
            #expect(errors.contains { $0["errorCode"]?["collectionSizeError"] == "TOO_FEW" })

            let query = try await client.google("googleAds:search", ["query": "SELECT campaign.bogus FROM campaign"])
            #expect(
                query.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]?[
                    "queryError"] == "UNRECOGNIZED_FIELD")
            let resource = try await client.google("googleAds:search", ["query": "SELECT x.id FROM keyword_view"])
            #expect(
                resource.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]?[
                    "queryError"] == "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE")
            let range = try await client.google(
                "googleAds:search", ["query": "SELECT campaign.id, segments.date, metrics.clicks FROM campaign"])
            #expect(
                range.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]?[
                    "queryError"] == "EXPECTED_FILTERS_ON_DATE_RANGE")
        }
    }

    @Test func partialFailureAndValidateOnly() async throws {
        try await harness.run { client in
            let budget = try await Self.budget(client)
            let create: JSONValue = [
                "name": "Same", "advertisingChannelType": "SEARCH", "campaignBudget": .string(budget),
            ]
            let answer = try await client.google(
                "campaigns:mutate", ["operations": [["create": create], ["create": create]], "partialFailure": true])
            #expect(answer.status == 200)
            #expect(
                hasShape(try #require(answer.json), of: try Fixtures.load("google-ads", "partial_failure.error.json"))
                    .isEmpty)
            let validate = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "name": "Dry", "advertisingChannelType": "SEARCH", "campaignBudget": .string(budget),
                            ]
                        ]
                    ], "validateOnly": true,
                ])
            #expect(validate.status == 200 && validate.json == [:])
            let atomic = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "name": "Kept?", "advertisingChannelType": "SEARCH", "campaignBudget": .string(budget),
                            ]
                        ], ["create": create],
                    ]
                ])
            #expect(atomic.status == 400)
            let names = harness.store.read { $0.objects.map(\.name) }
            #expect(names.filter { $0 == "Same" }.count == 1 && !names.contains("Dry") && !names.contains("Kept?"))
        }
    }

    @Test func goldenFixturesRoundTrip() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            let budgetRequest = try Fixtures.load("google-ads", "campaignBudgets_mutate.request.json")
            let budgetAnswer = try await client.google("campaignBudgets:mutate", budgetRequest)
            #expect(
                hasShape(
                    try #require(budgetAnswer.json),
                    of: try Fixtures.load("google-ads", "campaignBudgets_mutate.response.json")
                ).isEmpty)
            let budget = try #require(budgetAnswer.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
            let text = String(
                decoding: try Fixtures.load("google-ads", "campaigns_mutate.request.json").serialized(), as: UTF8.self
            )
            .replacingOccurrences(of: "customers/1234567890/campaignBudgets/BUDGET_ID", with: budget)
            let campaigns = try await client.google("campaigns:mutate", try #require(JSONValue.parse(text)))
            #expect(
                hasShape(
                    try #require(campaigns.json), of: try Fixtures.load("google-ads", "campaigns_mutate.response.json")
                ).isEmpty)
            let mixed = try await client.google(
                "googleAds:mutate", try Fixtures.load("google-ads", "googleAds_mutate.request.json"))
            #expect(
                hasShape(
                    try #require(mixed.json), of: try Fixtures.load("google-ads", "googleAds_mutate.response.json")
                ).isEmpty)

            // The fixtures create paused campaigns; an enabled one delivers from 2026-11-01.
            _ = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "name": "Live", "status": "ENABLED", "advertisingChannelType": "SEARCH",
                                "campaignBudget": .string(budget),
                            ]
                        ]
                    ]
                ])
            _ = try await client.control(.post, "clock", ["today": "2026-11-25"])
            let stream = try await client.google(
                "googleAds:searchStream", try Fixtures.load("google-ads", "googleAds_searchStream.request.json"))
            let json = try #require(stream.json)
            #expect((json.arrayValue?.first?["results"]?.arrayValue?.count ?? 0) > 0)
            let problems = hasShape(json, of: try Fixtures.load("google-ads", "googleAds_searchStream.response.json"))
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func faultsAnswerInGoogleShape() async throws {
        try await harness.run { client in
            let query: JSONValue = ["query": "SELECT customer.id FROM customer"]
            _ = try await client.control(
                .post, "faults", ["channel": "google-ads", "kind": "rate_limit", "retry_after_seconds": 30])
            let limited = try await client.google("googleAds:search", query)
            #expect(limited.status == 429)
            #expect(
                hasShape(
                    try #require(limited.json), of: try Fixtures.load("google-ads", "resource_exhausted.error.json")
                ).isEmpty)
            _ = try await client.control(.post, "faults", ["channel": "google-ads", "kind": "server_error"])
            #expect(try await client.google("googleAds:search", query).status == 500)
            #expect(try await client.google("googleAds:search", query).status == 200)
            _ = try await client.control(
                .post, "faults", ["channel": "google-ads", "kind": "expired_token", "operation": "googleAds:search"])
            let expired = try await client.google("googleAds:search", query)
            #expect(expired.status == 401)
            #expect(
                expired.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]?[
                    "authenticationError"] == "OAUTH_TOKEN_EXPIRED")
            #expect(try await client.google("googleAds:search", query).status == 401)
        }
    }

    @Test func partialFailureFaultFailsTheSecondOperation() async throws {
        try await harness.run { client in
            _ = try await client.control(
                .post, "faults",
                ["channel": "google-ads", "kind": "partial_failure", "operation": "campaignBudgets:mutate"])
            let answer = try await client.google(
                "campaignBudgets:mutate",
                [
                    "operations": [["create": ["amountMicros": "10000000"]], ["create": ["amountMicros": "20000000"]]],
                    "partialFailure": true,
                ])
            let results = answer.json?["results"]?.arrayValue ?? []
            #expect(results.count == 2 && results[1] == [:])
            #expect(
                answer.json?["partialFailureError"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?[
                    "errorCode"]?["databaseError"] == "CONCURRENT_MODIFICATION")
        }
    }
}
