// swift-tools-version:6.1
// CityGrid: digital urban management (数字化城市管理) as five message-driven services.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let hummingbirdTesting: Target.Dependency = .product(name: "HummingbirdTesting", package: "hummingbird")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

/// Each service is a library (domain + handlers + routes, testable and linkable into the
/// same-work monolith benchmark) plus a thin executable whose product name ops deploy.
func service(_ folder: String, library: String, executable: String, extraDependencies: [Target.Dependency] = []) -> [Target] {
    [
        .target(
            name: library,
            dependencies: ["CityGridModel", "CityGridPlatform", "PGClient", "AMQPClient", hummingbird, logging] + extraDependencies,
            path: "Services/\(folder)/Sources",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: executable,
            dependencies: [.target(name: library), "CityGridPlatform"],
            path: "Services/\(folder)/Main",
            swiftSettings: swiftSettings
        ),
    ]
}

let package = Package(
    name: "citygrid",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "intake", targets: ["intake"]),
        .executable(name: "grid-routing", targets: ["grid-routing"]),
        .executable(name: "disposal", targets: ["disposal"]),
        .executable(name: "supervision", targets: ["supervision"]),
        .executable(name: "assessment", targets: ["assessment"]),
        .executable(name: "console", targets: ["console"]),
        .executable(name: "citygrid", targets: ["citygrid"]),
        .library(name: "CityGridModel", targets: ["CityGridModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // Test-only: property-based checks (the department rules' agreement test).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // C libraries, wrapped once; nothing but AMQPClient / PGClient imports them.
        .systemLibrary(name: "CRabbitMQ", path: "Shared/CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // One OS thread per C connection, so blocking C calls never run on Swift's cooperative pool.
        .target(name: "BlockingThread", path: "Shared/BlockingThread", swiftSettings: swiftSettings),
        .target(name: "AMQPClient", dependencies: ["CRabbitMQ", "BlockingThread", logging], path: "Shared/AMQPClient", swiftSettings: swiftSettings),
        .target(name: "PGClient", dependencies: ["CLibPQ", "BlockingThread", logging], path: "Shared/PGClient", swiftSettings: swiftSettings),
        // Domain types, codes, reference data, calendar, workflow and message contracts. No I/O.
        .target(name: "CityGridModel", path: "Shared/CityGridModel", swiftSettings: swiftSettings),
        // Service runtime: configuration, logging, metrics, health, outbox relay, inbox consumers.
        .target(
            name: "CityGridPlatform",
            dependencies: [
                "CityGridModel", "AMQPClient", "PGClient", hummingbird, logging,
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/CityGridPlatform",
            swiftSettings: swiftSettings
        ),
    ]
        // Intake hashes callers' phone numbers (HMAC-SHA256) for repeat calls.
        + service("intake", library: "IntakeService", executable: "intake", extraDependencies: [.product(name: "Crypto", package: "swift-crypto")])
        + service("grid-routing", library: "GridRoutingService", executable: "grid-routing")
        + service("disposal", library: "DisposalService", executable: "disposal")
        // Supervision hashes its evidence uploads (SHA-256, content-addressed store).
        + service("supervision", library: "SupervisionService", executable: "supervision",
                  extraDependencies: [.product(name: "Crypto", package: "swift-crypto")])
        + service("assessment", library: "AssessmentService", executable: "assessment")
        + [
            // The workbench's edge: sessions, pages and forwarding to the five; no broker.
            .target(
                name: "ConsoleService",
                dependencies: ["CityGridModel", "CityGridPlatform", "PGClient", "BlockingThread", hummingbird, logging,
                               .product(name: "Crypto", package: "swift-crypto"),
                               .product(name: "_CryptoExtras", package: "swift-crypto")],
                path: "Services/console/Sources",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "console",
                dependencies: ["ConsoleService", "CityGridPlatform"],
                path: "Services/console/Main",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "citygrid",
                dependencies: ["CityGridModel", "CityGridPlatform", "PGClient", "AMQPClient", "ConsoleService", argumentParser, logging,
                               .product(name: "Crypto", package: "swift-crypto")],
                path: "Tools/citygrid",
                swiftSettings: swiftSettings
            ),
            // A tiny service used only by the platform tests: it exercises outbox, inbox, relay and
            // consumer exactly as the real services do, with fault-injection points.
            .executableTarget(
                name: "platform-probe",
                dependencies: ["CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient"],
                path: "Tests/Fixtures/PlatformProbe",
                swiftSettings: swiftSettings
            ),
            // Throughput/latency benchmark against the machine's own ceilings (scripts/bench), with
            // the same-work monolith as a mode: it links the five service libraries into one process.
            .executableTarget(
                name: "citygrid-bench",
                dependencies: ["CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", hummingbird, logging,
                               "IntakeService", "GridRoutingService", "DisposalService", "SupervisionService", "AssessmentService"],
                path: "Benchmarks/Pipeline",
                swiftSettings: swiftSettings
            ),
            // Tests that need no broker and no database (scripts/test-unit runs just these): pure logic,
            // reference data, the committed documents, and each service's routes in process
            // (TestSupport's InProcessRoutes: the real HTTP shell over a pool that points nowhere). Keep anything that starts a service, opens a
            // PGPool/AMQP connection or needs TestEnvironment/ScratchEnvironment out of them.
            .testTarget(name: "CityGridModelTests", dependencies: ["CityGridModel"], path: "Tests/CityGridModelTests"),
            .testTarget(name: "IntakeUnitTests", dependencies: ["IntakeService", "CityGridPlatform", "CityGridModel", "TestSupport", hummingbirdTesting], path: "Tests/IntakeUnitTests"),
            .testTarget(name: "GridRoutingUnitTests", dependencies: ["GridRoutingService", "CityGridPlatform", "CityGridModel", "TestSupport", hummingbirdTesting], path: "Tests/GridRoutingUnitTests"),
            .testTarget(name: "SupervisionUnitTests", dependencies: ["SupervisionService", "CityGridPlatform", "CityGridModel", "TestSupport", hummingbirdTesting], path: "Tests/SupervisionUnitTests"),
            .testTarget(name: "DisposalUnitTests", dependencies: ["DisposalService", "CityGridPlatform", "CityGridModel", "TestSupport", hummingbirdTesting,
                                                                  .product(name: "PropertyBased", package: "swift-property-based")],
                        path: "Tests/DisposalUnitTests"),
            .testTarget(name: "AssessmentUnitTests", dependencies: ["AssessmentService", "CityGridPlatform", "CityGridModel", "AssessmentFixtures", "TestSupport", hummingbirdTesting], path: "Tests/AssessmentUnitTests"),
            .testTarget(name: "ConsoleUnitTests", dependencies: ["ConsoleService", "CityGridPlatform", "CityGridModel", "TestSupport", hummingbirdTesting],
                        path: "Tests/ConsoleUnitTests"),
            .testTarget(name: "PlatformUnitTests", dependencies: ["CityGridPlatform", "CityGridModel", "BlockingThread", "AMQPClient", "PGClient"], path: "Tests/PlatformUnitTests"),
            .testTarget(
                name: "DocumentUnitTests",
                dependencies: ["CityGridModel", "ConsoleService", "TestSupport"],
                path: "Tests/DocumentUnitTests",
                exclude: ["compose_check.py", "validate_messages.py"]
            ),
            // Case scripts, the generated city and the hand-scripted month: shared by the assessment unit
            // and integration tests (`@testable import AssessmentFixtures`).
            .target(name: "AssessmentFixtures", dependencies: ["AssessmentService", "CityGridModel"], path: "Tests/AssessmentFixtures"),
            // Tests with the real broker and database (scripts/test, which CI runs, runs them all).
            .testTarget(name: "IntakeTests", dependencies: ["IntakeService", "CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", "TestSupport"], path: "Tests/IntakeTests",
                        exclude: ["hotline_adapter.py", "open311_client_check.py"]),
            .testTarget(name: "GridRoutingTests", dependencies: ["GridRoutingService", "CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", "TestSupport"], path: "Tests/GridRoutingTests"),
            .testTarget(name: "SupervisionTests", dependencies: ["SupervisionService", "CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", "TestSupport"], path: "Tests/SupervisionTests"),
            .testTarget(name: "DisposalTests", dependencies: ["DisposalService", "CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", "TestSupport"], path: "Tests/DisposalTests"),
            .testTarget(name: "AssessmentTests", dependencies: ["AssessmentService", "CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", "TestSupport", "AssessmentFixtures"], path: "Tests/AssessmentTests"),
            .testTarget(name: "ConsoleTests", dependencies: ["ConsoleService", "CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", "TestSupport"],
                        path: "Tests/ConsoleTests"),
            // The workbench's pages in Debian's headless Chromium (Selenium, workbench.py) against the
            // five services and the console on a scratch database.
            .testTarget(name: "WorkbenchBrowserTests", dependencies: ["CityGridModel", "CityGridPlatform", "TestSupport"],
                        path: "Tests/WorkbenchBrowserTests", exclude: ["workbench.py"]),
            .testTarget(name: "EndToEndTests", dependencies: ["CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", "TestSupport"], path: "Tests/EndToEndTests",
                        exclude: ["department_consumer.py", "openapi_check.py", "contract_fuzz.py"]),
            // Helpers shared by the integration tests: environment, service processes, polling.
            .target(name: "TestSupport", dependencies: ["CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", hummingbird, hummingbirdTesting], path: "Tests/TestSupport"),
            .testTarget(
                name: "PlatformIntegrationTests",
                dependencies: ["CityGridPlatform", "CityGridModel", "PGClient", "AMQPClient", "TestSupport"],
                path: "Tests/PlatformIntegrationTests"
            ),
        ]
)
