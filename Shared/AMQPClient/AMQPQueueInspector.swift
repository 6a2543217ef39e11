import BlockingThread
import Foundation

/// Reads how many messages are ready in a queue (a passive `queue.declare`), on a connection
/// and thread of its own.
///
/// A passive declare of a missing queue makes the broker close the channel. Kept apart from the
/// publisher's and consumers' connections, such a failure (or a slow answer) cannot break
/// consuming or publishing; the inspector just reconnects on its next call.
public final class AMQPQueueInspector: Sendable {
    private let thread: BlockingThread
    private let box: ConnectionBox
    private let endpoint: AMQPEndpoint

    public init(endpoint: AMQPEndpoint, name: String = "amqp-queue-inspector") {
        self.endpoint = endpoint
        self.thread = BlockingThread(name: name)
        self.box = ConnectionBox()
    }

    deinit { thread.shutdown() }

    /// Messages ready for delivery in `queue` (delivered but unacknowledged ones are not counted).
    /// Connects on first use and after a failure.
    public func messageCount(queue: String) async throws -> Int {
        try await thread.run { [box, endpoint] in
            let connection: AMQPConnection
            if let open = box.connection, open.isOpen {
                connection = open
            } else {
                connection = try AMQPConnection(endpoint: endpoint)
                box.connection = connection
                box.generation += 1
            }
            return try connection.messageCount(queue: queue)
        }
    }

    /// Closes the connection (it re-opens on the next call).
    public func close() async {
        _ = try? await thread.run { [box] in box.connection?.close(); box.connection = nil }
    }
}
