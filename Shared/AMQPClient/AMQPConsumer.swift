import BlockingThread
import Foundation

/// Consumes one queue with manual acknowledgements, on a connection owned by its own thread.
///
/// Deliveries are handed out one at a time; the caller acks or nacks each after its work has
/// committed. After a connection failure the caller calls ``connect()`` again (with backoff);
/// deliveries from the old connection can no longer be acked (the broker requeues them), so
/// ``ack(_:)`` on such a delivery is skipped, not sent on the wrong connection.
public final class AMQPConsumer: Sendable {
    private let thread: BlockingThread
    private let box: ConnectionBox
    private let endpoint: AMQPEndpoint
    private let topology: Topology
    public let queue: String
    public let prefetch: Int

    public init(endpoint: AMQPEndpoint, topology: Topology, queue: String, prefetch: Int = 50, name: String? = nil) {
        self.endpoint = endpoint
        self.topology = topology
        self.queue = queue
        self.prefetch = prefetch
        self.thread = BlockingThread(name: name ?? "amqp-consumer-\(queue)")
        self.box = ConnectionBox()
    }

    deinit { thread.shutdown() }

    /// Opens a connection, declares the topology, sets the prefetch and starts consuming.
    public func connect() async throws {
        try await thread.run { [box, endpoint, topology, queue, prefetch] in
            box.connection?.close()
            box.connection = nil
            let connection = try AMQPConnection(endpoint: endpoint)
            try connection.declare(topology)
            try connection.setPrefetch(prefetch)
            try connection.startConsuming(queue: queue, consumerTag: "\(queue)-\(ProcessInfo.processInfo.processIdentifier)-\(box.generation + 1)")
            box.connection = connection
            box.generation += 1
        }
    }

    /// The next delivery, or nil after `timeoutMilliseconds` without one. Keep the timeout below
    /// half the heartbeat interval.
    public func next(timeoutMilliseconds: Int = 1_000) async throws -> Delivery? {
        try await thread.run { [box, endpoint] in
            guard let connection = box.connection, connection.isOpen else {
                throw AMQPError(.connection, "consumer connection to \(endpoint.redacted) is closed")
            }
            return try connection.nextDelivery(timeoutMilliseconds: timeoutMilliseconds, generation: box.generation)
        }
    }

    /// Acknowledges a delivery. Returns false when its connection is gone (it will be redelivered).
    @discardableResult
    public func ack(_ delivery: Delivery) async throws -> Bool {
        try await thread.run { [box] in
            guard delivery.connectionGeneration == box.generation, let connection = box.connection, connection.isOpen else { return false }
            try connection.ack(delivery.deliveryTag)
            return true
        }
    }

    /// Returns a delivery to the queue (`requeue`) or lets the broker dead-letter it.
    @discardableResult
    public func nack(_ delivery: Delivery, requeue: Bool) async throws -> Bool {
        try await thread.run { [box] in
            guard delivery.connectionGeneration == box.generation, let connection = box.connection, connection.isOpen else { return false }
            try connection.nack(delivery.deliveryTag, requeue: requeue)
            return true
        }
    }

    /// Closes the connection; unacked deliveries go back to the queue.
    public func close() async {
        _ = try? await thread.run { [box] in box.connection?.close(); box.connection = nil }
    }
}
