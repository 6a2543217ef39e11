import AMQPClient
import CityGridModel
import Foundation
import Hummingbird
import Logging
import PGClient
import ServiceLifecycle

/// What one CityGrid service is: its schema, migrations, consumers, routes and timers.
public struct ServiceDescriptor: Sendable {
    /// Product name (`intake`, `grid-routing`…); used in logs, metrics and the DB application name.
    public var name: String
    /// The PostgreSQL schema the service owns.
    public var schema: String
    /// The short name in routing keys and AMQP user names (`routing` for grid-routing).
    public var messagingName: String
    public var defaultHTTPPort: Int
    /// The service's own migrations (versions ≥ 100); the platform's are added automatically.
    public var migrations: [Migration]
    /// Whether the service talks to the broker. An edge that only answers HTTP (the console) says
    /// no: it then needs no `CITYGRID_AMQP_URL`, and gets no publisher, relay or consumers, so a
    /// broker outage cannot hold it back from starting or serving.
    public var usesBroker: Bool
    /// Exchanges besides the events and dead-letter exchanges that the service's outbox writes
    /// to (intake: the outbound exchange). The publisher declares them passively when it
    /// connects, so a broker not provisioned for them stops the service at start with the
    /// exchange's name, instead of every publish failing later.
    public var publishesTo: [ExchangeSpec]
    /// Builds the service's parts once the database is migrated and the broker reachable.
    public var build: @Sendable (ServiceEnvironment) async throws -> ServiceParts

    public init(name: String, schema: String, messagingName: String, defaultHTTPPort: Int, migrations: [Migration],
                usesBroker: Bool = true, publishesTo: [ExchangeSpec] = [],
                build: @escaping @Sendable (ServiceEnvironment) async throws -> ServiceParts) {
        self.name = name
        self.schema = schema
        self.messagingName = messagingName
        self.defaultHTTPPort = defaultHTTPPort
        self.migrations = migrations
        self.usesBroker = usesBroker
        self.publishesTo = publishesTo
        self.build = build
    }
}

/// Shared infrastructure handed to a service's builder.
public struct ServiceEnvironment: Sendable {
    public let configuration: ServiceConfiguration
    public let pool: PGPool
    public let metrics: PlatformMetrics
    public let health: HealthState
    public let logger: Logger
    public let clock: any CityClock
    public let relayWake: WakeSignal
    public let schema: String
    public let messagingName: String
    /// Where the read-only query API reads (a replica when configured, else ``pool``).
    public let reads: QueryReads

    /// Assembled by ``ServiceMain/start(_:configuration:logger:clock:migrateOnly:)``; public for the
    /// same-work monolith benchmark, which builds every service's parts in one process.
    public init(configuration: ServiceConfiguration, pool: PGPool, metrics: PlatformMetrics, health: HealthState, logger: Logger,
                clock: any CityClock, relayWake: WakeSignal, schema: String, messagingName: String, reads: QueryReads? = nil) {
        self.reads = reads ?? QueryReads(primary: pool)
        self.configuration = configuration
        self.pool = pool
        self.metrics = metrics
        self.health = health
        self.logger = logger
        self.clock = clock
        self.relayWake = relayWake
        self.schema = schema
        self.messagingName = messagingName
    }

    /// Verifies the bearer tokens of HTTP requests.
    public var tokens: TokenAuthority { TokenAuthority(secret: configuration.tokenSecret) }

    /// Runs `body` in a transaction with an outbox bound to it; wakes the relay after commit.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PGConnection, OutboxWriter) throws -> T) async throws -> T {
        let wrote = Flag()
        let result = try await pool.transaction { [schema, messagingName] connection in
            try body(connection, OutboxWriter(connection: connection, schema: schema, source: messagingName, cause: nil, wrote: wrote))
        }
        if wrote.isSet { await relayWake.notify() }
        return result
    }
}

/// The parts a service contributes on top of the platform.
public struct ServiceParts: Sendable {
    public var consumers: [ConsumerDefinition]
    public var routes: @Sendable (ServiceRouter) -> Void
    public var background: [any Service]
    /// Queues the service provides for readers outside CityGrid (e.g. the supervisors' handheld
    /// gateway). Declared at start-up so events meant for them are kept, not returned as unroutable.
    public var feeds: [QueueSpec]
    /// The reference data the service counts deadlines with, if any. The platform then keeps its
    /// calendar current with imported changes (``ReferenceChanges``) and watches the calendar
    /// ahead (``CalendarWatch``).
    public var reference: ReferenceData?

    public init(consumers: [ConsumerDefinition] = [], routes: @escaping @Sendable (ServiceRouter) -> Void = { _ in },
                background: [any Service] = [], feeds: [QueueSpec] = [], reference: ReferenceData? = nil) {
        self.reference = reference
        self.consumers = consumers
        self.routes = routes
        self.background = background
        self.feeds = feeds
    }
}

/// A start-up failure reported as one line.
struct StartupError: Error, CustomStringConvertible {
    let description: String
}

/// Runs a service process: configuration, logging, database, migrations, broker, HTTP, and a
/// ServiceGroup that drains on SIGTERM/SIGINT. Start-up problems end the process with one line
/// on stderr and exit code 1 (2 for configuration), never a stack dump.
public enum ServiceMain {
    public static func run(_ descriptor: ServiceDescriptor, environment: EnvironmentReader = EnvironmentReader()) async -> Never {
        let configuration: ServiceConfiguration
        do {
            configuration = try ServiceConfiguration.load(service: descriptor.name, defaultHTTPPort: descriptor.defaultHTTPPort,
                                                          requiresBroker: descriptor.usesBroker, environment: environment)
        } catch {
            fail("\(descriptor.name): \(error)", code: 2)
        }
        LoggingSetup.bootstrap(service: descriptor.name, level: configuration.logLevel, format: configuration.logFormat)
        let logger = Logger(label: "citygrid.\(descriptor.name)")
        let clock: any CityClock
        do {
            clock = try clockFromEnvironment(environment)
        } catch {
            fail("\(descriptor.name): \(error)", code: 2)
        }
        let command = CommandLine.arguments.dropFirst().first
        do {
            let runtime = try await start(descriptor, configuration: configuration, logger: logger, clock: clock, migrateOnly: command == "migrate")
            if command == "migrate" {
                logger.info("migrations applied; exiting (migrate subcommand)")
                exit(0)
            }
            try await runtime.run()
            logger.info("stopped cleanly")
            exit(0)
        } catch {
            fail("\(descriptor.name): \(error)", code: 1)
        }
    }

    static func fail(_ line: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data((line.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
        exit(code)
    }

    /// The city clock the `CITYGRID_CLOCK_*` variables describe (the system clock when none is set).
    /// Public so that tools acting for the city (tokens, reports) use the same time as its services.
    public static func clockFromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> any CityClock {
        let file = environment.string("CITYGRID_CLOCK_FILE", default: "")
        if !file.isEmpty { return OffsetFileClock(path: file) }
        let start = environment.string("CITYGRID_CLOCK_START", default: "")
        guard !start.isEmpty else { return SystemClock() }
        guard let origin = RFC3339.parse(start) else {
            throw ConfigurationError(variable: "CITYGRID_CLOCK_START", problem: "must be an RFC 3339 date-time, got '\(start)'")
        }
        let anchorText = environment.string("CITYGRID_CLOCK_ANCHOR", default: "")
        let anchor = anchorText.isEmpty ? Date() : (RFC3339.parse(anchorText) ?? Date())
        guard let speed = Double(environment.string("CITYGRID_CLOCK_SPEED", default: "1")), speed > 0 else {
            throw ConfigurationError(variable: "CITYGRID_CLOCK_SPEED", problem: "must be a positive number")
        }
        return AcceleratedClock(origin: origin, anchor: anchor, speed: speed)
    }

    /// Waits for a dependency until the start-up timeout, then reports its last error.
    static func retrying<T: Sendable>(_ what: String, timeoutSeconds: Int, logger: Logger,
                                      fatal: @Sendable (any Error) -> Bool = { _ in false },
                                      _ body: @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch {
                attempt += 1
                if fatal(error) || ContinuousClock.now >= deadline {
                    throw StartupError(description: "\(what): \(error)")
                }
                logger.notice("waiting for \(what)", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: Backoff.delay(attempt: attempt, capMilliseconds: 2_000))
            }
        }
    }

    /// A started service, ready to run.
    public struct Runtime: Sendable {
        let group: ServiceGroup?
        public func run() async throws { try await group?.run() }
    }

    /// Connects, migrates and assembles the service. Exposed for tests that run a service in-process.
    public static func start(_ descriptor: ServiceDescriptor, configuration: ServiceConfiguration, logger: Logger,
                             clock: any CityClock, migrateOnly: Bool = false) async throws -> Runtime {
        let pool = PGPool(settings: PGSettings(url: configuration.databaseURL, applicationName: descriptor.name,
                                               poolSize: configuration.databasePoolSize,
                                               statementTimeoutMilliseconds: configuration.statementTimeoutMilliseconds,
                                               connectTimeoutSeconds: max(1, min(5, configuration.startupTimeoutSeconds)),
                                               deadPeerTimeoutMilliseconds: configuration.databaseDeadPeerTimeoutMilliseconds))
        let isAuthFailure: @Sendable (any Error) -> Bool = { error in
            let text = "\(error)"
            return text.contains("password authentication failed") || text.contains("does not exist") || text.contains("permission denied")
        }
        try await retrying("PostgreSQL at \(pool.settings.redactedURL)", timeoutSeconds: configuration.startupTimeoutSeconds,
                           logger: logger, fatal: isAuthFailure) { try await pool.ping() }
        let applied = try await Migrator.migrate(pool, schema: descriptor.schema, migrations: PlatformMigrations.all + descriptor.migrations)
        if !applied.isEmpty { logger.info("applied migrations", metadata: ["versions": "\(applied)"]) }
        if migrateOnly { return Runtime(group: nil) }
        guard descriptor.usesBroker else {
            return try await startWithoutBroker(descriptor, configuration: configuration, pool: pool, logger: logger, clock: clock)
        }
        let endpoint: AMQPEndpoint
        do {
            endpoint = try AMQPEndpoint(url: configuration.amqpURL)
        } catch {
            throw ConfigurationError(variable: "CITYGRID_AMQP_URL", problem: "\(error)")
        }
        let metrics = PlatformMetrics(service: descriptor.name)
        let health = HealthState()
        let wake = WakeSignal()
        let publisher = AMQPPublisher(
            endpoint: endpoint,
            topology: Topology(exchanges: [ExchangeSpec(name: MessagingNames.eventsExchange, kind: .topic),
                                           ExchangeSpec(name: MessagingNames.deadLetterExchange, kind: .direct)] + descriptor.publishesTo),
            name: "amqp-publisher-\(descriptor.name)")
        let brokerFatal: @Sendable (any Error) -> Bool = { error in
            guard let amqp = error as? AMQPError else { return false }
            return amqp.kind == .accessRefused || amqp.kind == .notFound || amqp.message.contains("login refused")
        }
        try await retrying("RabbitMQ at \(endpoint.redacted)", timeoutSeconds: configuration.startupTimeoutSeconds,
                           logger: logger, fatal: brokerFatal) { try await publisher.connect() }
        let environment = ServiceEnvironment(configuration: configuration, pool: pool, metrics: metrics, health: health, logger: logger,
                                             clock: clock, relayWake: wake, schema: descriptor.schema, messagingName: descriptor.messagingName,
                                             reads: queryReads(configuration, primary: pool, name: descriptor.name, logger: logger))
        var parts = try await descriptor.build(environment)
        if let reference = parts.reference {
            // Changes imported while the service was down apply before it takes any work.
            let base = reference.calendar
            try await ReferenceChanges.apply(pool: pool, reference: reference, base: base, logger: logger)
            let stored = WakeSignal()
            parts.consumers.append(ReferenceChanges.consumer(reference: reference, messagingName: descriptor.messagingName, stored: stored))
            parts.background.append(ReferenceChangeWatcher(pool: pool, reference: reference, base: base, logger: logger, wake: stored))
            let watch = CalendarWatch(reference: reference, clock: clock, health: health, metrics: metrics, logger: logger, service: descriptor.name)
            watch.check()
            parts.background.append(watch)
        }
        let feeds = parts.feeds
        if !feeds.isEmpty {
            try await publisher.withConnection { try $0.declare(Topology(queues: feeds)) }
        }
        let consumers = parts.consumers.map {
            MessageConsumerService(definition: $0, endpoint: endpoint, pool: pool, schema: descriptor.schema, source: descriptor.messagingName,
                                   metrics: metrics, health: health, logger: logger, relayWake: wake,
                                   prefetch: configuration.prefetch, batchSize: configuration.consumerBatchSize, clock: clock)
        }
        for (consumer, definition) in zip(consumers, parts.consumers) {
            try await retrying("consuming queue \(definition.queue.name)", timeoutSeconds: configuration.startupTimeoutSeconds,
                               logger: logger, fatal: brokerFatal) { try await consumer.connect() }
        }
        let relay = OutboxRelay(pool: pool, publisher: publisher, schema: descriptor.schema, metrics: metrics, health: health,
                                logger: logger, wake: wake)
        let router = HTTPShell.router(tokens: environment.tokens, clock: clock, maxBodyBytes: configuration.httpMaxBodyBytes, metrics: metrics)
        HealthRoutes.add(to: router, pool: pool, health: health, metrics: metrics, service: descriptor.name)
        parts.routes(router)
        // What this binary serves, in one line: for operators, and checked against the service's
        // OpenAPI document by OpenAPIDocumentTests.
        logger.info("http routes", metadata: ["routes": .array(router.routes.map(\.description).sorted().map { .string($0) })])
        let app = Application(router: router,
                              configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort),
                                                   serverName: "citygrid-\(descriptor.name)"),
                              logger: logger)
        // ServiceGroup stops services in reverse order: consumers stop taking work first, then
        // timers and HTTP, and the relay last so it can flush what the others committed.
        let services: [any Service] = [relay, app] + parts.background + consumers
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        logger.info("service started", metadata: ["http": "\(configuration.httpHost):\(configuration.httpPort)", "db": "\(pool.settings.redactedURL)", "amqp": "\(endpoint.redacted)",
                                                  // reliability #8: how long a dead link to each goes unnoticed at most
                                                  "db_dead_peer_bound_ms": "\(pool.settings.deadPeerBoundMilliseconds.map(String.init) ?? "off")",
                                                  "amqp_dead_peer_bound_s": "\(endpoint.deadPeerBoundSeconds.map(String.init) ?? "off")"])
        return Runtime(group: group)
    }

    /// The replica pool for the query API when `CITYGRID_DB_READ_URL` names one. It is not
    /// waited for at start: reads fall back to the primary while it is away.
    static func queryReads(_ configuration: ServiceConfiguration, primary: PGPool, name: String, logger: Logger) -> QueryReads {
        guard let url = configuration.databaseReadURL else { return QueryReads(primary: primary, logger: logger) }
        let replica = PGPool(settings: PGSettings(url: url, applicationName: "\(name)-reads", poolSize: configuration.databasePoolSize,
                                                  statementTimeoutMilliseconds: configuration.statementTimeoutMilliseconds,
                                                  connectTimeoutSeconds: 2,
                                                  deadPeerTimeoutMilliseconds: configuration.databaseDeadPeerTimeoutMilliseconds))
        logger.info("query API reads from a replica when fresh", metadata: ["replica": "\(replica.settings.redactedURL)",
                                                                           "max_staleness_s": "\(configuration.readMaxStalenessSeconds)"])
        return QueryReads(primary: primary, replica: replica, maxStalenessSeconds: Double(configuration.readMaxStalenessSeconds), logger: logger)
    }

    /// The HTTP-only assembly: the same shell, health, metrics and background services, without
    /// publisher, relay, consumers or feeds. A service that declares no broker must not ask for
    /// consumers, feeds or reference-change listening (those arrive over the broker).
    static func startWithoutBroker(_ descriptor: ServiceDescriptor, configuration: ServiceConfiguration, pool: PGPool, logger: Logger,
                                   clock: any CityClock) async throws -> Runtime {
        let metrics = PlatformMetrics(service: descriptor.name)
        let health = HealthState()
        let environment = ServiceEnvironment(configuration: configuration, pool: pool, metrics: metrics, health: health, logger: logger,
                                             clock: clock, relayWake: WakeSignal(), schema: descriptor.schema,
                                             messagingName: descriptor.messagingName,
                                             reads: queryReads(configuration, primary: pool, name: descriptor.name, logger: logger))
        let parts = try await descriptor.build(environment)
        guard parts.consumers.isEmpty, parts.feeds.isEmpty, parts.reference == nil else {
            throw StartupError(description: "\(descriptor.name) declares no broker but asks for consumers, feeds or reference changes")
        }
        let router = HTTPShell.router(tokens: environment.tokens, clock: clock, maxBodyBytes: configuration.httpMaxBodyBytes, metrics: metrics)
        HealthRoutes.add(to: router, pool: pool, health: health, metrics: metrics, service: descriptor.name)
        parts.routes(router)
        logger.info("http routes", metadata: ["routes": .array(router.routes.map(\.description).sorted().map { .string($0) })])
        let app = Application(router: router,
                              configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort),
                                                   serverName: "citygrid-\(descriptor.name)"),
                              logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app] + parts.background, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        logger.info("service started", metadata: ["http": "\(configuration.httpHost):\(configuration.httpPort)", "db": "\(pool.settings.redactedURL)",
                                                  "amqp": "none (this service uses no broker)"])
        return Runtime(group: group)
    }
}
