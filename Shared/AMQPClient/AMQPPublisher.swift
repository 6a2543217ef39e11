import BlockingThread
import Foundation
import Logging

/// Publishes batches with publisher confirms and `mandatory`, on a connection owned by its own
/// thread. A broken connection is dropped and re-opened (with topology re-declared) on the next
/// batch; the caller decides when to retry, so nothing here loops forever.
public final class AMQPPublisher: Sendable {
    private let thread: BlockingThread
    private let box: ConnectionBox
    private let endpoint: AMQPEndpoint
    private let topology: Topology
    private let confirmTimeoutMilliseconds: Int

    /// - Parameters:
    ///   - topology: declared after every (re)connect; usually the exchanges this service publishes to.
    ///   - confirmTimeoutMilliseconds: how long a batch may wait for confirms before the connection
    ///     is treated as broken (resource alarms block publishers; this bounds the wait).
    public init(endpoint: AMQPEndpoint, topology: Topology, name: String = "amqp-publisher",
                confirmTimeoutMilliseconds: Int = 30_000) {
        self.endpoint = endpoint
        self.topology = topology
        self.confirmTimeoutMilliseconds = confirmTimeoutMilliseconds
        self.thread = BlockingThread(name: name)
        self.box = ConnectionBox()
    }

    deinit { thread.shutdown() }

    /// Connects now (or checks the existing connection), so start-up can fail fast with a clear error.
    public func connect() async throws {
        try await thread.run { [box, endpoint, topology] in _ = try box.publisherConnection(endpoint, topology) }
    }

    /// Publishes `messages` and waits for every confirm. Outcomes are in the same order as `messages`.
    /// Throws when the connection fails; then none of the batch counts as published.
    public func publish(_ messages: [OutgoingMessage]) async throws -> [PublishOutcome] {
        guard !messages.isEmpty else { return [] }
        return try await thread.run { [box, endpoint, topology, confirmTimeoutMilliseconds] in
            let connection = try box.publisherConnection(endpoint, topology)
            var pending: [UInt64: String] = [:]
            for message in messages {
                let tag = try connection.publish(message)
                pending[tag] = message.messageId
            }
            let outcomes = try connection.awaitConfirms(pending: pending, timeoutMilliseconds: confirmTimeoutMilliseconds)
            return messages.map { outcomes[$0.messageId] ?? .nacked }
        }
    }

    /// Services an idle connection (heartbeats both ways; see `AMQPConnection.serviceIdle`). Call
    /// it between batches, at least every half heartbeat interval. Throws when the broker closed
    /// the connection or it failed; it re-opens on the next publish.
    public func keepAlive() async throws {
        try await thread.run { [box] in
            guard let connection = box.connection, connection.isOpen else { return }
            try connection.serviceIdle()
        }
    }

    /// Closes the connection (it re-opens on the next publish).
    public func disconnect() async {
        _ = try? await thread.run { [box] in box.connection?.close(); box.connection = nil }
    }

    /// Runs a one-off broker operation on this publisher's connection (tests and tooling).
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (AMQPAdmin) throws -> T) async throws -> T {
        try await thread.run { [box, endpoint, topology] in
            try body(AMQPAdmin(connection: try box.publisherConnection(endpoint, topology)))
        }
    }
}

/// Queue inspection and maintenance on an open connection.
public struct AMQPAdmin {
    let connection: AMQPConnection
    public func messageCount(queue: String) throws -> Int { try connection.messageCount(queue: queue) }
    public func purge(queue: String) throws { try connection.purge(queue: queue) }
    public func delete(queue: String) throws { try connection.delete(queue: queue) }
    public func declare(_ topology: Topology) throws { try connection.declare(topology) }
}

/// Holds the thread-confined connection. Only ever touched from the owning BlockingThread.
final class ConnectionBox: @unchecked Sendable {
    var connection: AMQPConnection?
    var generation = 0

    func publisherConnection(_ endpoint: AMQPEndpoint, _ topology: Topology) throws -> AMQPConnection {
        if let connection, connection.isOpen { return connection }
        connection = nil
        let fresh = try AMQPConnection(endpoint: endpoint)
        try fresh.declare(topology)
        try fresh.enableConfirms()
        connection = fresh
        generation += 1
        return fresh
    }
}
