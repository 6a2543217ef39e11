import AMQPClient
import CityGridModel
import Foundation
import Logging
import PGClient
import ServiceLifecycle

/// Publishes committed outbox rows with publisher confirms and `mandatory`, then marks them
/// sent. A crash anywhere before the mark means the rows are published again after restart
/// (consumers deduplicate by message id). Unroutable rows stay unsent with the broker's reason
/// in `last_error` and are retried with backoff, so nothing is silently dropped.
public final class OutboxRelay: Service, Sendable {
    private let pool: PGPool
    private let publisher: AMQPPublisher
    private let schema: String
    private let metrics: PlatformMetrics
    private let health: HealthState
    private let logger: Logger
    public let wake: WakeSignal
    private let batchSize: Int

    public init(pool: PGPool, publisher: AMQPPublisher, schema: String, metrics: PlatformMetrics, health: HealthState,
                logger: Logger, wake: WakeSignal, batchSize: Int = 500) {
        self.pool = pool
        self.publisher = publisher
        self.schema = schema
        self.metrics = metrics
        self.health = health
        self.logger = logger
        self.wake = wake
        self.batchSize = batchSize
    }

    public func run() async throws {
        let stopping = Flag()
        await withGracefulShutdownHandler {
            var failures = 0
            var lastBacklogCheck = ContinuousClock.now - .seconds(10)
            while !stopping.isSet && !Task.isCancelled {
                do {
                    let published = try await relayOnce()
                    if failures > 0 { logger.info("outbox relay recovered") }
                    failures = 0
                    health.set("broker.publisher", ok: true)
                    if ContinuousClock.now - lastBacklogCheck > .seconds(2) {
                        try await updateBacklog()
                        lastBacklogCheck = .now
                    }
                    if published < batchSize {
                        // Idle: keep the connection's heartbeats going, or the broker closes it
                        // after two intervals with nothing to publish.
                        try await publisher.keepAlive()
                        await wake.wait(milliseconds: 500)
                    }
                } catch {
                    failures += 1
                    health.set("broker.publisher", ok: false, detail: "\(error)")
                    logger.warning("outbox relay failed; will retry", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                    await publisher.disconnect()
                    try? await Task.sleep(for: Backoff.delay(attempt: failures))
                }
            }
            await flush()
        } onGracefulShutdown: {
            stopping.set()
            self.wake.poke()
        }
    }

    /// On shutdown: publish what is due, for a bounded time, so a clean stop leaves no backlog.
    private func flush() async {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            guard let count = try? await relayOnce(), count > 0 else { break }
        }
        try? await updateBacklog()
    }

    struct Row: Sendable {
        var seq: Int
        var message: OutgoingMessage
        var attempts: Int
    }

    /// Publishes one batch of due rows. Returns how many rows it handled.
    ///
    /// One statement takes the batch and marks it sent at once (`UPDATE … RETURNING` over the due
    /// rows, `FOR UPDATE SKIP LOCKED`); the transaction stays open while the broker confirms, and
    /// commits only then. So a crash or a failed publish before the commit leaves the rows unsent
    /// (published again later; the consumers' inboxes absorb the repeats), a second instance of the
    /// service takes other rows instead of the same ones, and the happy path costs one statement
    /// and the commit instead of a select, a separate mark and the commit.
    public func relayOnce() async throws -> Int {
        try await pool.session { session in
            let rows: [Row] = try await session.step { [schema, batchSize] connection in
                connection.queue("BEGIN")
                return try connection.query("""
                    UPDATE \(schema).outbox o SET sent_at = now(), attempts = o.attempts + 1
                    FROM (SELECT seq FROM \(schema).outbox
                          WHERE sent_at IS NULL AND next_attempt_at <= now()
                          ORDER BY seq LIMIT $1
                          FOR UPDATE SKIP LOCKED) due
                    WHERE o.seq = due.seq
                    RETURNING o.seq, o.message_id, o.exchange, o.routing_key, o.message_type, o.headers::text AS headers, o.body,
                              o.created_at, o.attempts - 1 AS attempts
                    """, [batchSize]).rows.map { row in
                    let headers = (try? JSONSerialization.jsonObject(with: Data(try row.string("headers").utf8))) as? [String: String] ?? [:]
                    return Row(
                        seq: try row.int("seq"),
                        message: OutgoingMessage(
                            exchange: try row.string("exchange"), routingKey: try row.string("routing_key"),
                            messageId: try row.string("message_id"), type: try row.string("message_type"),
                            timestamp: try row.date("created_at"), headers: headers, body: Array(try row.string("body").utf8)),
                        attempts: try row.int("attempts"))
                }.sorted { $0.seq < $1.seq }   // RETURNING keeps no order; the broker gets them in outbox order
            }
            guard !rows.isEmpty else {
                _ = try await session.step { try $0.query("COMMIT") }
                return 0
            }
            FaultInjection.point("kill-before-relay")
            metrics.published.increment(by: Int64(rows.count))
            let outcomes = try await publisher.publish(rows.map(\.message))
            var confirmed = 0
            var failed: [(Row, String)] = []
            for (row, outcome) in zip(rows, outcomes) {
                switch outcome {
                case .confirmed: confirmed += 1
                case .returned(let reason):
                    metrics.returned.increment()
                    failed.append((row, reason))
                case .nacked:
                    metrics.nacked.increment()
                    failed.append((row, "nacked by broker"))
                }
            }
            metrics.confirmed.increment(by: Int64(confirmed))
            // The broker has confirmed the batch; the mark is not committed yet. A crash here
            // publishes the rows again after restart, and the consumers' inboxes absorb the repeats.
            FaultInjection.point("kill-after-publish-before-mark")
            for (row, reason) in failed {
                logger.error("message not accepted by the broker; kept in the outbox for retry", metadata: [
                    "message_id": "\(row.message.messageId)", "routing_key": "\(row.message.routingKey)", "reason": "\(reason)",
                ])
            }
            let failures = failed.map { (seq: $0.0.seq, attempts: $0.0.attempts, reason: $0.1) }
            try await session.step { [schema] connection in
                for failure in failures {
                    // Back to unsent, with exponential retry capped at five minutes: an unbound
                    // routing key is usually a deployment-order problem that fixes itself when the
                    // consumer declares its queue.
                    let delaySeconds = min(300, 1 << min(failure.attempts, 8))
                    connection.queue("""
                        UPDATE \(schema).outbox SET sent_at = NULL, last_error = $2,
                            next_attempt_at = now() + make_interval(secs => $3)
                        WHERE seq = $1
                        """, [failure.seq, failure.reason, delaySeconds])
                }
                try connection.query("COMMIT")
            }
            return rows.count
        }
    }

    private func updateBacklog() async throws {
        let backlog = try await pool.withConnection { [schema] connection in
            try connection.query("SELECT count(*) AS n FROM \(schema).outbox WHERE sent_at IS NULL").first?.int("n") ?? 0
        }
        metrics.outboxBacklog.set(Double(backlog))
    }
}
