// swift-tools-version:6.1
import PackageDescription

/// NoticeExchange: a secure notice-exchange daemon (`nexd`) and its CLI (`nex`).
///
/// Module boundaries follow docs/DECISIONS.md: pure modules (NexWire, NexNotices, NexBroker) hold
/// most logic; NexCrypto is the only importer of the system OpenSSL. The CLI and the tools read nexd's
/// configuration (NexConfig) and development PKI (NexPKI) without linking the daemon (NexServer).
let package = Package(
    name: "NoticeExchange",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nexd", targets: ["nexd"]),
        .executable(name: "nex", targets: ["nex"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", exact: "0.2.0"),
        // nexd's metrics (issue 18, D70): the Prometheus model and text format; brings swift-metrics and swift-atomics, no NIO.
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "NexCrypto", dependencies: ["COpenSSL"]),
        .target(name: "NexWire"),
        .target(name: "NexNotices"),
        .target(name: "NexSync"),
        .target(name: "NexBroker", dependencies: ["NexWire"]),
        .target(name: "NexAudit", dependencies: ["NexCrypto", "NexWire", "NexSync"]),
        // TLS over a non-blocking socket driven by Dispatch sources: nexd's connections and the load tool's (D42).
        .target(name: "NexTransport", dependencies: ["NexCrypto", "NexWire", "NexSync"]),
        // nexd's configuration: the key table, YAML loading, the roster (no daemon, no I/O but reading the file).
        .target(
            name: "NexConfig",
            dependencies: ["NexBroker", "NexNotices", .product(name: "Yams", package: "Yams")]
        ),
        // The development PKI behind `nex pki` and nexd's first run: CA, issuance, revocation, listing.
        .target(name: "NexPKI", dependencies: ["NexCrypto"]),
        // The region's agents (issue 16): synthetic biometrics, watchlists, matchers.
        .target(name: "NexAgents", dependencies: ["NexNotices"]),
        .target(
            name: "NexServer",
            dependencies: [
                "NexConfig", "NexPKI", "NexCrypto", "NexWire", "NexNotices", "NexBroker", "NexAudit", "NexSync", "NexTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(name: "NexClient", dependencies: ["NexCrypto", "NexWire", "NexAudit"]),
        // Runs an agent as its node: durable inboxes, end-to-end verification, state kept before receipts (issue 16).
        .target(name: "NexAgentRunner", dependencies: ["NexAgents", "NexClient", "NexCrypto", "NexWire", "NexSync"]),
        .executableTarget(
            name: "nexd",
            dependencies: [
                "NexServer", "NexConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The load generator behind `nex load` and Benchmarks/run: event-driven mTLS clients.
        .target(
            name: "NexLoad",
            dependencies: [
                "NexClient", "NexConfig", "NexPKI", "NexCrypto", "NexWire", "NexNotices", "NexSync", "NexTransport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "nex",
            dependencies: [
                "NexClient", "NexConfig", "NexPKI", "NexAudit", "NexCrypto", "NexWire", "NexNotices", "NexLoad", "NexSync", "NexAgents", "NexAgentRunner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Audit figures (not a test): `swift run -c release AuditBench`; see Benchmarks/README.md.
        .executableTarget(
            name: "AuditBench",
            dependencies: ["NexAudit", "NexCrypto", "NexWire"],
            path: "Benchmarks/AuditBench"
        ),
        // Crash safety (not a unit test): SIGKILLs nexd under load and checks the audit log against
        // every ACK; `scripts/crash-test.sh` runs it in release; see docs/SECURITY.md, "Crash test".
        .executableTarget(
            name: "CrashTest",
            dependencies: [
                "NexLoad", "NexClient", "NexAudit", "NexCrypto", "NexWire", "NexNotices", "NexPKI", "NexSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/CrashTest"
        ),
        // libFuzzer targets: scripts/fuzz.sh builds them with -sanitize=fuzzer,address and -D FUZZING.
        // A plain build gives small reproducers (`FuzzFrames FILE…`) instead; seeds in Fuzz/corpus.
        .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"),
        .executableTarget(name: "FuzzFrames", dependencies: ["NexWire", "FuzzSupport"], path: "Fuzz/FuzzFrames"),
        .executableTarget(name: "FuzzEnvelope", dependencies: ["NexWire", "FuzzSupport"], path: "Fuzz/FuzzEnvelope"),
        .executableTarget(name: "FuzzNotice", dependencies: ["NexNotices", "FuzzSupport"], path: "Fuzz/FuzzNotice"),
        .executableTarget(name: "FuzzConfig", dependencies: ["NexConfig", "FuzzSupport"], path: "Fuzz/FuzzConfig"),
        .executableTarget(name: "FuzzAuditRecord", dependencies: ["NexAudit", "NexCrypto", "FuzzSupport"], path: "Fuzz/FuzzAuditRecord"),
        .testTarget(name: "NexCryptoTests", dependencies: ["NexCrypto", "NexSync"]),
        .testTarget(name: "NexWireTests", dependencies: ["NexWire"]),
        .testTarget(name: "NexBrokerTests", dependencies: ["NexBroker", "NexNotices", "NexWire"]),
        .testTarget(name: "NexAuditTests", dependencies: ["NexAudit", "NexCrypto", "NexWire", "NexSync"], exclude: ["Fixtures"]),
        .testTarget(name: "NexTransportTests", dependencies: ["NexTransport", "NexCrypto"]),
        .testTarget(name: "NexServerTests", dependencies: ["NexServer", "NexConfig", "NexPKI", "NexCrypto", "NexTransport"]),
        .testTarget(name: "NexConfigTests", dependencies: ["NexConfig"]),
        .testTarget(name: "NexPKITests", dependencies: ["NexPKI", "NexCrypto"]),
        .testTarget(name: "NexNoticesTests", dependencies: ["NexNotices"]),
        .testTarget(name: "NexAgentsTests", dependencies: ["NexAgents", "NexNotices"]),
        .testTarget(name: "NexClientTests", dependencies: ["NexClient", "NexCrypto", "NexWire"]),
        .testTarget(
            name: "NexLoadTests",
            dependencies: [
                "NexLoad", "NexServer", "NexConfig", "NexCrypto", "NexWire", "NexNotices", "NexSync",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Runs the built `nexd` and `nex` as processes: exit codes, --help, signals, the walk-through,
        // and a short `CrashTest`.
        // Also tests `nex`'s renderers directly (`@testable import nex`) and writes logs for it to read.
        .testTarget(name: "ExecutableTests", dependencies: ["nexd", "nex", "CrashTest", "NexAudit", "NexCrypto"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "NexServer", "NexConfig", "NexPKI", "NexClient", "NexCrypto", "NexWire", "NexAudit", "NexNotices", "NexLoad", "NexSync",
                "NexAgents", "NexAgentRunner",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
