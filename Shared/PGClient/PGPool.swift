import BlockingThread
import Foundation

/// How to reach PostgreSQL and how each session behaves.
public struct PGSettings: Sendable {
    /// A libpq connection URI (`postgresql://user:password@host:port/db`) or key=value string.
    public var url: String
    public var applicationName: String
    public var poolSize: Int
    public var statementTimeoutMilliseconds: Int
    public var lockTimeoutMilliseconds: Int
    public var connectTimeoutSeconds: Int
    /// How long a connection whose server has gone silent (a dead host or link: packets dropped,
    /// no RST or FIN) may block before libpq's call fails: `tcp_user_timeout` with TCP keepalives
    /// (idle half of it, probes every sixth of it). A statement waiting for its result on a dead
    /// link fails within about 1.2 times this; without it, a blocking read waits for the kernel's
    /// defaults (two hours of keepalive idle, or some fifteen minutes of retransmissions). A
    /// server that is merely slow still acknowledges at the TCP level and is not affected.
    /// 0 leaves libpq's and the kernel's defaults. Parameters written in the URL win.
    public var deadPeerTimeoutMilliseconds: Int

    public static let defaultDeadPeerTimeoutMilliseconds = 20_000

    public init(url: String, applicationName: String, poolSize: Int = 4, statementTimeoutMilliseconds: Int = 15_000,
                lockTimeoutMilliseconds: Int = 10_000, connectTimeoutSeconds: Int = 5,
                deadPeerTimeoutMilliseconds: Int = PGSettings.defaultDeadPeerTimeoutMilliseconds) {
        self.url = url
        self.applicationName = applicationName
        self.poolSize = poolSize
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.deadPeerTimeoutMilliseconds = deadPeerTimeoutMilliseconds
    }

    /// The libpq connection parameters, in order. The dead-peer settings come before `dbname` so
    /// that the same keys written in the URL (which libpq expands in its place) override them;
    /// the session settings come after it and hold whatever the URL says.
    public var connectionParameters: [(key: String, value: String)] {
        var parameters: [(key: String, value: String)] = []
        if deadPeerTimeoutMilliseconds > 0 {
            let seconds = max(1, deadPeerTimeoutMilliseconds / 1_000)
            parameters += [("keepalives", "1"),
                           ("keepalives_idle", String(max(1, seconds / 2))),
                           ("keepalives_interval", String(max(1, seconds / 6))),
                           ("keepalives_count", "3"),
                           ("tcp_user_timeout", String(deadPeerTimeoutMilliseconds))]
        }
        // Session settings travel in the startup packet, so they hold from the first statement.
        // JIT off: the services' statements are short, and where the planner's estimate is large
        // (a map query, a count over the open cases) compiling took 90–120 ms, more than the
        // statement itself.
        let options = "-c statement_timeout=\(statementTimeoutMilliseconds) -c TimeZone=UTC "
            + "-c lock_timeout=\(lockTimeoutMilliseconds) -c jit=off"
        parameters += [("dbname", url), ("application_name", applicationName),
                       ("connect_timeout", String(connectTimeoutSeconds)), ("options", options)]
        return parameters
    }

    /// The longest a call on a connection to a dead peer blocks before it fails: the user
    /// timeout, plus one keepalive interval when the socket was idle (nil when off).
    public var deadPeerBoundMilliseconds: Int? {
        guard deadPeerTimeoutMilliseconds > 0 else { return nil }
        return deadPeerTimeoutMilliseconds + max(1, deadPeerTimeoutMilliseconds / 6_000) * 1_000
    }

    /// The URL with the password masked, for logs and errors.
    public var redactedURL: String {
        guard var components = URLComponents(string: url), components.password != nil else { return url.contains("password=") ? "(connection string)" : url }
        components.password = "***"
        return components.string ?? "(connection string)"
    }
}

/// A fixed set of connections, each on its own thread. Work is a synchronous closure that runs
/// on the connection's thread, so blocking libpq calls never occupy Swift's cooperative pool.
/// Connections open lazily and re-open after they break.
public final class PGPool: Sendable {
    private let workers: [Worker]
    private let lease: Lease
    public let settings: PGSettings

    public init(settings: PGSettings) {
        self.settings = settings
        self.workers = (0..<max(1, settings.poolSize)).map { Worker(thread: BlockingThread(name: "pg-\(settings.applicationName)-\($0)")) }
        self.lease = Lease(count: workers.count)
    }

    deinit { workers.forEach { $0.thread.shutdown() } }

    /// Runs `body` with a connection outside a transaction (autocommit).
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await session { try await $0.step(body) }
    }

    /// Keeps one connection for a sequence of steps with awaits in between (e.g. hold row locks
    /// while publishing to the broker). Each `step` runs on the connection's thread; if `body`
    /// throws with a transaction open, it is rolled back.
    public func session<T: Sendable>(_ body: (PGSession) async throws -> T) async throws -> T {
        let index = await lease.acquire()
        let worker = workers[index]
        let session = PGSession(worker: worker, settings: settings)
        do {
            let value = try await body(session)
            await lease.release(index)
            return value
        } catch {
            // Roll back on the connection the session used, if it still has one: a broken one
            // was dropped, and a new one has no transaction to roll back (opening it here would,
            // on a dead link, hold the lease and the error for the whole connect timeout).
            _ = try? await worker.thread.run { [worker] in
                if let connection = worker.openConnection { _ = try? connection.query("ROLLBACK") }
            }
            await lease.release(index)
            throw error
        }
    }

    /// Runs `body` inside BEGIN … COMMIT; any thrown error rolls back and is rethrown.
    public func transaction<T: Sendable>(isolation: IsolationLevel = .readCommitted,
                                         _ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await withConnection { connection in
            // BEGIN goes out with the first statement of the body, in one round trip.
            connection.queue(isolation == .readCommitted ? "BEGIN" : "BEGIN ISOLATION LEVEL \(isolation.rawValue)")
            do {
                let value = try body(connection)
                try connection.query("COMMIT")
                return value
            } catch {
                if connection.isHealthy { _ = try? connection.query("ROLLBACK") }
                throw error
            }
        }
    }

    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// Checks that the database answers (`SELECT 1`).
    public func ping() async throws {
        _ = try await withConnection { try $0.query("SELECT 1") }
    }

    /// Closes every connection (they re-open on next use).
    public func closeAll() async {
        for worker in workers { _ = try? await worker.thread.run { worker.drop() } }
    }

    final class Worker: @unchecked Sendable {
        let thread: BlockingThread
        private var connection: PGConnection?  // touched only on `thread`
        init(thread: BlockingThread) { self.thread = thread }

        func connection(_ settings: PGSettings) throws -> PGConnection {
            if let connection, connection.isHealthy { return connection }
            connection = nil
            let fresh = try PGConnection(settings: settings)
            connection = fresh
            return fresh
        }

        /// The connection if one is open and healthy; never opens one.
        var openConnection: PGConnection? { connection.flatMap { $0.isHealthy ? $0 : nil } }

        func drop() { connection = nil }
    }

    /// Hands out worker indexes; callers wait in FIFO order when all are busy.
    actor Lease {
        private var free: [Int]
        private var waiters: [CheckedContinuation<Int, Never>] = []
        init(count: Int) { free = Array((0..<count).reversed()) }

        func acquire() async -> Int {
            if let index = free.popLast() { return index }
            return await withCheckedContinuation { waiters.append($0) }
        }

        func release(_ index: Int) {
            if waiters.isEmpty { free.append(index) } else { waiters.removeFirst().resume(returning: index) }
        }
    }
}

/// One leased connection, used step by step (see ``PGPool/session(_:)``).
public struct PGSession: Sendable {
    let worker: PGPool.Worker
    let settings: PGSettings

    /// Runs `body` on the session's connection, on its own thread.
    public func step<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await worker.thread.run { [worker, settings] in
            let connection = try worker.connection(settings)
            do {
                let value = try body(connection)
                try connection.sendQueued()
                return value
            } catch let error as PGError where error.kind == .connection {
                worker.drop()
                throw error
            }
        }
    }
}
