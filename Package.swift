// swift-tools-version:6.2
import PackageDescription

// Every target is compiled in Swift 6 language mode with warnings as errors.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "tradewind",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tradewind", targets: ["tradewind"])
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.26.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // Generated from Protos/ by scripts/generate-protos; committed, never edited by hand.
        .target(
            name: "TradewindProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict
        ),
        // Pure domain logic: no I/O, no gRPC, no SQL.
        .target(
            name: "TradewindCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ],
            swiftSettings: strict
        ),
        // Ad-copy rule packs as data: the shipped YAML packs per market and platform, and their reader.
        .target(
            name: "TradewindContent",
            dependencies: [
                "TradewindCore",
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Packs")],
            swiftSettings: strict
        ),
        // ICU (the toolchain's _FoundationICU, ICU 76.1) behind one small module: CLDR plural rules,
        // MessageFormat with named arguments and a lint for what ICU accepts silently, bidi isolation.
        .target(
            name: "TradewindLocalization",
            swiftSettings: strict,
            linkerSettings: [.linkedLibrary("_FoundationICU")]
        ),
        // Audit records, the hash chain, signed checkpoints and the offline verifier (pure, no I/O).
        .target(
            name: "TradewindAudit",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ],
            swiftSettings: strict
        ),
        // Outbound HTTPS to the ad channels: one connector per channel, each speaking that channel's
        // REST wire format; the only module that knows a channel's wire format.
        .target(
            name: "TradewindChannels",
            dependencies: [
                "TradewindCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["ChannelMapping.md", "GoogleAds/Protos"],
            swiftSettings: strict
        ),
        // PostgreSQL: region router, tenant transactions, migrations, repositories.
        .target(
            name: "TradewindStore",
            dependencies: [
                "TradewindCore",
                "TradewindAudit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: strict
        ),
        // Interceptors, service handlers, TLS, lifecycle.
        .target(
            name: "TradewindServer",
            dependencies: [
                "TradewindCore",
                "TradewindAudit",
                "TradewindStore",
                "TradewindProto",
                "TradewindChannels",
                "TradewindContent",
                "TradewindLocalization",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The command-line tool: serve, migrate, tenants apply, keys, audit export/verify.
        .executableTarget(
            name: "tradewind",
            dependencies: [
                "TradewindServer",
                "TradewindAudit",
                "TradewindStore",
                "TradewindCore",
                "TradewindContent",
                "TradewindProto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // The ad-channel sandboxes: emulators of Google Ads, Meta, TikTok and Amazon Ads for tests.
        // Its wire types are its own; it never imports the connectors (TradewindChannels).
        .target(
            name: "TradewindSandbox",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // `tradewind-sandbox`: serves the emulators over TLS on one port.
        .executableTarget(
            name: "tradewind-sandbox",
            dependencies: [
                "TradewindSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Shared by the integration tests: the real local stack, reached as the server's roles.
        .target(
            name: "TradewindTestSupport",
            dependencies: [
                "TradewindServer",
                "TradewindStore",
                "TradewindAudit",
                "TradewindCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TradewindTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "TradewindCoreTests",
            dependencies: ["TradewindCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TradewindChannelsTests",
            dependencies: [
                "TradewindChannels",
                "TradewindCore",
                // The connectors against the emulators, in process over TLS (AudienceRoundTripTests).
                "TradewindSandbox",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TradewindSandboxTests",
            dependencies: [
                "TradewindSandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TradewindContentTests",
            dependencies: ["TradewindContent", "TradewindCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TradewindLocalizationTests",
            dependencies: ["TradewindLocalization"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TradewindAuditTests",
            dependencies: ["TradewindAudit"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TradewindStoreTests",
            dependencies: [
                "TradewindStore",
                "TradewindAudit",
                "TradewindCore",
                "TradewindTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TradewindServerTests",
            dependencies: [
                "TradewindServer",
                "TradewindAudit",
                "TradewindStore",
                "TradewindCore",
                "TradewindProto",
                "TradewindTestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ]
)
