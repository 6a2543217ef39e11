import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PGClient
import Synchronization

/// Where a service's read-only queries run: on a streaming replica of its database when one is
/// configured (`CITYGRID_DB_READ_URL`) and fresh enough, else on the primary. Commands and
/// consumers never come here; they always write to the primary.
///
/// Every answer served through an HTTP request says where it was read and how stale it may be
/// (headers `CityGrid-Read-Source` and `CityGrid-Read-Staleness`, set by ``ReadSourceMiddleware``),
/// so a supervisor's screen can tell "as of a moment ago" from "now".
public final class QueryReads: Sendable {
    public let primary: PGPool
    public let replica: PGPool?
    /// Replays older than this send reads to the primary (`CITYGRID_DB_READ_MAX_STALENESS_S`).
    public let maxStalenessSeconds: Double
    private let logger: Logger
    /// The last measurement of the replica's staleness, reused for one second: one extra query
    /// a second per process, not one per read.
    private let sample = Mutex<Sample?>(nil)

    struct Sample {
        var at: ContinuousClock.Instant
        /// Seconds the replica's data may be behind the primary; nil when it is not streaming
        /// or could not be asked.
        var staleness: Double?
    }

    public init(primary: PGPool, replica: PGPool? = nil, maxStalenessSeconds: Double = 10, logger: Logger = Logger(label: "citygrid.reads")) {
        self.primary = primary
        self.replica = replica
        self.maxStalenessSeconds = maxStalenessSeconds
        self.logger = logger
    }

    /// Runs `body` in a read-only transaction on the replica when it may be used, else on the
    /// primary; a replica that fails mid-way is retried once on the primary.
    public func transaction<T: Sendable>(isolation: PGPool.IsolationLevel = .readCommitted,
                                         _ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        if let replica, let staleness = await replicaStaleness(), staleness <= maxStalenessSeconds {
            do {
                let value = try await replica.transaction(isolation: isolation, body)
                ReadReport.current?.record(.replica(stalenessSeconds: staleness))
                return value
            } catch let error as PGError where error.kind == .connection {
                sample.withLock { $0 = Sample(at: .now, staleness: nil) }
                logger.warning("the read replica failed; reading from the primary", metadata: ["error": "\(error)"])
            }
        }
        let value = try await primary.transaction(isolation: isolation, body)
        ReadReport.current?.record(.primary)
        return value
    }

    /// Like ``transaction(isolation:_:)`` for a single statement.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await transaction(body)
    }

    /// The replica's staleness in seconds (measured at most once a second), or nil when it
    /// should not be read.
    func replicaStaleness() async -> Double? {
        guard let replica else { return nil }
        if let recent = sample.withLock({ $0 }), ContinuousClock.now - recent.at < .seconds(1) {
            return recent.staleness.map { $0 + Self.seconds(ContinuousClock.now - recent.at) }
        }
        let measured: Double?
        do {
            measured = try await replica.withConnection { connection in
                try connection.query(Self.stalenessSQL).first?.optionalDouble("staleness")
            }
        } catch {
            measured = nil
            logger.warning("cannot ask the read replica how far behind it is; reading from the primary", metadata: ["error": "\(error)"])
        }
        sample.withLock { $0 = Sample(at: .now, staleness: measured) }
        return measured
    }

    /// A replica that has replayed everything it received is as fresh as its stream (0); one
    /// still replaying is as old as the last transaction it replayed; one that is not streaming
    /// at all (NULL) is not read. A non-superuser sees the WAL receiver's pid, which is enough
    /// to tell whether it streams.
    static let stalenessSQL = """
        SELECT CASE
          WHEN NOT pg_is_in_recovery() OR (SELECT pid FROM pg_stat_wal_receiver) IS NULL THEN NULL
          WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
          ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())
        END AS staleness
        """

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Where the reads of one HTTP request were served from; collected while the request runs.
public final class ReadReport: Sendable {
    public enum Source: Sendable, Equatable {
        case primary
        case replica(stalenessSeconds: Double)
    }

    @TaskLocal public static var current: ReadReport?

    private let worst = Mutex<Source?>(nil)

    public init() {}

    /// Keeps the stalest source seen: an answer is as old as its oldest part.
    func record(_ source: Source) {
        worst.withLock { current in
            switch (current, source) {
            case (.replica(let a), .replica(let b)): current = .replica(stalenessSeconds: max(a, b))
            case (.replica, .primary): break
            default: current = source
            }
        }
    }

    public var source: Source? { worst.withLock { $0 } }
}

/// Adds `CityGrid-Read-Source: primary|replica` and `CityGrid-Read-Staleness: <seconds>` to the
/// answers of requests that read through ``QueryReads``.
struct ReadSourceMiddleware<Context: RequestContext>: RouterMiddleware {
    static var sourceField: HTTPField.Name { HTTPField.Name("CityGrid-Read-Source")! }
    static var stalenessField: HTTPField.Name { HTTPField.Name("CityGrid-Read-Staleness")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let report = ReadReport()
        var response = try await ReadReport.$current.withValue(report) { try await next(request, context) }
        switch report.source {
        case nil: break
        case .primary:
            response.headers[Self.sourceField] = "primary"
            response.headers[Self.stalenessField] = "0"
        case .replica(let staleness):
            response.headers[Self.sourceField] = "replica"
            response.headers[Self.stalenessField] = String(format: "%.3f", staleness)
        }
        return response
    }
}
