import AMQPClient
import Foundation
import PGClient

/// A setting that is missing or malformed, named so an operator can fix it from the message alone.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let problem: String
    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }
    public var description: String { "configuration error: \(variable) \(problem)" }
}

/// Reads settings from the environment (or any string dictionary, for tests).
public struct EnvironmentReader: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    public func required(_ name: String, hint: String) throws(ConfigurationError) -> String {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            throw ConfigurationError(variable: name, problem: "is not set (\(hint))")
        }
        return value
    }

    public func string(_ name: String, default fallback: String) -> String {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return fallback }
        return value
    }

    public func double(_ name: String, default fallback: Double, range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard let text = values[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return fallback }
        guard let value = Double(text), value.isFinite else { throw ConfigurationError(variable: name, problem: "must be a number, got '\(text)'") }
        guard range.contains(value) else { throw ConfigurationError(variable: name, problem: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)") }
        return value
    }

    public func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = values[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return fallback }
        guard let value = Int(text) else { throw ConfigurationError(variable: name, problem: "must be an integer, got '\(text)'") }
        guard range.contains(value) else {
            throw ConfigurationError(variable: name, problem: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }
}

/// Everything a CityGrid service process needs to start, from `CITYGRID_*` variables.
public struct ServiceConfiguration: Sendable {
    public var serviceName: String
    public var databaseURL: String
    public var amqpURL: String
    public var httpHost: String
    public var httpPort: Int
    public var databasePoolSize: Int
    public var prefetch: Int
    /// Messages applied per database transaction by a consumer (batching is where throughput comes from).
    public var consumerBatchSize: Int
    public var logLevel: String
    public var logFormat: String
    /// How long start-up waits for the database and broker before giving up with an error.
    public var startupTimeoutSeconds: Int
    public var statementTimeoutMilliseconds: Int
    /// Folder with the city's reference data (classes, grids, calendars…).
    public var referenceDataPath: String
    /// Shared secret that signs bearer tokens (`CITYGRID_TOKEN_SECRET`).
    public var tokenSecret: String
    /// The largest HTTP request body the service reads (`CITYGRID_HTTP_MAX_BODY_BYTES`); larger
    /// ones answer 413 `body_too_large`.
    public var httpMaxBodyBytes: Int = HTTPSettings.defaultMaxBodyBytes
    /// A streaming replica of the service's database for its read-only query API
    /// (`CITYGRID_DB_READ_URL`); nil reads from the primary. See ``QueryReads``.
    public var databaseReadURL: String? = nil
    /// How far behind the replica may be before reads go back to the primary
    /// (`CITYGRID_DB_READ_MAX_STALENESS_S`).
    public var readMaxStalenessSeconds: Int = 10
    /// How long a database call may block on a connection whose server went silent (dead host or
    /// link, packets dropped) before it fails and the connection is opened again
    /// (`CITYGRID_DB_DEAD_PEER_TIMEOUT_MS`, default 20 000; 0 = the kernel's defaults). See
    /// `PGSettings.deadPeerTimeoutMilliseconds`. The broker's equivalent is the AMQP heartbeat
    /// (`?heartbeat=` in `CITYGRID_AMQP_URL`, default 30 s: a dead link noticed within 60 s).
    public var databaseDeadPeerTimeoutMilliseconds: Int = PGSettings.defaultDeadPeerTimeoutMilliseconds

    /// Reads and validates the configuration.
    /// - Parameters:
    ///   - service: the product name, e.g. `intake`; used in logs, metrics and the DB application name.
    ///   - defaultHTTPPort: the service's documented default port.
    ///   - requiresBroker: false for a service without a broker: `CITYGRID_AMQP_URL` is then not
    ///     read at all (``amqpURL`` stays empty).
    public static func load(service: String, defaultHTTPPort: Int, requiresBroker: Bool = true,
                            environment: EnvironmentReader = EnvironmentReader())
        throws(ConfigurationError) -> ServiceConfiguration
    {
        let db = try environment.required("CITYGRID_DB_URL", hint: "PostgreSQL URL of this service's role, e.g. postgresql://cg_\(service)@127.0.0.1:55432/citygrid")
        guard db.hasPrefix("postgresql://") || db.hasPrefix("postgres://") || db.contains("=") else {
            throw ConfigurationError(variable: "CITYGRID_DB_URL", problem: "must be a postgresql:// URL or a libpq key=value string")
        }
        var amqp = ""
        if requiresBroker {
            amqp = try environment.required("CITYGRID_AMQP_URL", hint: "AMQP URL of this service's broker user, e.g. amqp://\(service)@127.0.0.1:5673/citygrid")
            do {
                _ = try AMQPEndpoint(url: amqp)
            } catch {
                throw ConfigurationError(variable: "CITYGRID_AMQP_URL",
                                         problem: "must be an amqp://user:password@host:port/vhost URL, or a comma-separated list of them (the nodes of one cluster): \(error.message)")
            }
        }
        let level = environment.string("CITYGRID_LOG_LEVEL", default: "info")
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
            throw ConfigurationError(variable: "CITYGRID_LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical; got '\(level)'")
        }
        let format = environment.string("CITYGRID_LOG_FORMAT", default: "json")
        guard ["json", "text"].contains(format) else {
            throw ConfigurationError(variable: "CITYGRID_LOG_FORMAT", problem: "must be json or text; got '\(format)'")
        }
        let readURL = environment.string("CITYGRID_DB_READ_URL", default: "")
        guard readURL.isEmpty || readURL.hasPrefix("postgresql://") || readURL.hasPrefix("postgres://") || readURL.contains("=") else {
            throw ConfigurationError(variable: "CITYGRID_DB_READ_URL", problem: "must be a postgresql:// URL or a libpq key=value string")
        }
        var configuration = ServiceConfiguration(
            serviceName: service,
            databaseURL: db,
            amqpURL: amqp,
            httpHost: environment.string("CITYGRID_HTTP_HOST", default: "127.0.0.1"),
            httpPort: try environment.int("CITYGRID_HTTP_PORT", default: defaultHTTPPort, range: 0...65535),
            databasePoolSize: try environment.int("CITYGRID_DB_POOL_SIZE", default: 4, range: 1...64),
            prefetch: try environment.int("CITYGRID_AMQP_PREFETCH", default: 200, range: 1...5000),
            consumerBatchSize: try environment.int("CITYGRID_CONSUMER_BATCH", default: 50, range: 1...1000),
            logLevel: level,
            logFormat: format,
            startupTimeoutSeconds: try environment.int("CITYGRID_STARTUP_TIMEOUT", default: 15, range: 0...600),
            statementTimeoutMilliseconds: try environment.int("CITYGRID_STATEMENT_TIMEOUT_MS", default: 15_000, range: 100...600_000),
            referenceDataPath: environment.string("CITYGRID_REFERENCE_DATA", default: defaultReferenceDataPath()),
            tokenSecret: try tokenSecret(environment),
            httpMaxBodyBytes: try environment.int("CITYGRID_HTTP_MAX_BODY_BYTES", default: HTTPSettings.defaultMaxBodyBytes,
                                                  range: 1_024...67_108_864)
        )
        configuration.databaseReadURL = readURL.isEmpty ? nil : readURL
        configuration.readMaxStalenessSeconds = try environment.int("CITYGRID_DB_READ_MAX_STALENESS_S", default: 10, range: 0...86_400)
        configuration.databaseDeadPeerTimeoutMilliseconds = try environment.int(
            "CITYGRID_DB_DEAD_PEER_TIMEOUT_MS", default: PGSettings.defaultDeadPeerTimeoutMilliseconds, range: 0...3_600_000)
        if configuration.databaseDeadPeerTimeoutMilliseconds > 0 && configuration.databaseDeadPeerTimeoutMilliseconds < 1_000 {
            throw ConfigurationError(variable: "CITYGRID_DB_DEAD_PEER_TIMEOUT_MS",
                                     problem: "must be 0 (off) or at least 1000, got \(configuration.databaseDeadPeerTimeoutMilliseconds)")
        }
        return configuration
    }

    /// The token secret from the process environment (for tools that issue tokens).
    public static func tokenSecretFromEnvironment() throws -> String { try tokenSecret(EnvironmentReader()) }

    static func tokenSecret(_ environment: EnvironmentReader) throws(ConfigurationError) -> String {
        let secret = environment.string("CITYGRID_TOKEN_SECRET", default: "citygrid-dev-secret-not-for-production")
        guard secret.utf8.count >= 16 else {
            throw ConfigurationError(variable: "CITYGRID_TOKEN_SECRET", problem: "must be at least 16 bytes long")
        }
        return secret
    }

    /// `Shared/reference-data` next to the binary's source tree when run from a checkout, else
    /// `/usr/share/citygrid/reference-data` (the container image's location).
    static func defaultReferenceDataPath() -> String {
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = url.appendingPathComponent("Shared/reference-data")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            url.deleteLastPathComponent()
        }
        let cwd = FileManager.default.currentDirectoryPath + "/Shared/reference-data"
        if FileManager.default.fileExists(atPath: cwd) { return cwd }
        return "/usr/share/citygrid/reference-data"
    }
}
