import AMQPClient
import CityGridModel
import Foundation
import Logging
import PGClient
import Prometheus
import ServiceLifecycle

/// What a handler gets: the transaction's connection, an outbox bound to the same transaction,
/// and a logger already carrying the case id.
public struct HandlerContext {
    public let connection: PGConnection
    public let outbox: OutboxWriter
    public let logger: Logger
    /// The service clock's time when the batch started.
    public let now: Date
}

/// Applies one message inside the consumer's transaction. Throw ``HandlerError`` for poison
/// or early messages; any other error rolls the batch back and the messages come again.
public typealias MessageHandler = @Sendable (InboundMessage, HandlerContext) throws -> Void

/// A queue a service consumes and the handler for each message type it accepts.
public struct ConsumerDefinition: Sendable {
    public var queue: QueueSpec
    public var handlers: [String: MessageHandler]
    /// Exchanges the queue binds to; declared passively before the queue.
    public var exchanges: [ExchangeSpec]

    /// A quorum queue `name` with an explicit delivery limit and a dead-letter queue.
    public init(queue name: String, bindings: [QueueSpec.Binding], handlers: [String: MessageHandler],
                deliveryLimit: Int = 20) {
        self.queue = QueueSpec(name: name, quorum: true, deadLetterExchange: MessagingNames.deadLetterExchange,
                               deadLetterRoutingKey: name, deliveryLimit: deliveryLimit, atLeastOnceDeadLettering: true,
                               bindings: bindings)
        self.handlers = handlers
        var exchanges = Set(bindings.map(\.exchange))
        exchanges.insert(MessagingNames.deadLetterExchange)
        self.exchanges = exchanges.sorted().map { ExchangeSpec(name: $0, kind: $0 == MessagingNames.deadLetterExchange ? .direct : .topic) }
    }

    /// The consumer's topology: its exchanges, its queue, and the queue's dead-letter queue.
    public var topology: Topology {
        let dlq = QueueSpec(name: MessagingNames.deadLetterQueue(for: queue.name), quorum: true,
                            bindings: [.init(exchange: MessagingNames.deadLetterExchange, routingKey: queue.name)])
        return Topology(exchanges: exchanges, queues: [dlq, queue])
    }
}

/// Consumes one queue: each batch of deliveries is applied in one transaction (inbox + effects +
/// outbox), committed, and only then acked.
public final class MessageConsumerService: Service, Sendable {
    private let definition: ConsumerDefinition
    private let consumer: AMQPConsumer
    private let pool: PGPool
    private let schema: String
    private let source: String
    private let metrics: PlatformMetrics
    private let health: HealthState
    private let logger: Logger
    private let relayWake: WakeSignal
    private let batchSize: Int
    private let clock: any CityClock
    /// Queue-lag observability: message age at receipt, and the queue's ready count read every
    /// `depthInterval` on a connection of its own.
    private let messageAge: DurationHistogram
    private let queueDepth: Gauge
    private let inspector: AMQPQueueInspector
    private let depthInterval: Duration
    private var name: String { definition.queue.name }

    public init(definition: ConsumerDefinition, endpoint: AMQPEndpoint, pool: PGPool, schema: String, source: String,
                metrics: PlatformMetrics, health: HealthState, logger: Logger, relayWake: WakeSignal,
                prefetch: Int, batchSize: Int, clock: any CityClock, depthInterval: Duration = .seconds(10)) {
        self.definition = definition
        self.consumer = AMQPConsumer(endpoint: endpoint, topology: definition.topology, queue: definition.queue.name, prefetch: prefetch)
        self.messageAge = metrics.messageAge(queue: definition.queue.name)
        self.queueDepth = metrics.queueDepth(queue: definition.queue.name)
        self.inspector = AMQPQueueInspector(endpoint: endpoint, name: "amqp-depth-\(definition.queue.name)")
        self.depthInterval = depthInterval
        self.pool = pool
        self.schema = schema
        self.source = source
        self.metrics = metrics
        self.health = health
        self.logger = logger
        self.relayWake = relayWake
        self.batchSize = batchSize
        self.clock = clock
    }

    /// Connects once, so start-up can report a missing permission or exchange clearly.
    public func connect() async throws { try await consumer.connect() }

    public func run() async throws {
        let stopping = Flag()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.watchDepth(stopping: stopping) }
                try await consume(stopping: stopping)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.set()
        }
    }

    /// The receive loop: batches of deliveries until shutdown, reconnecting with backoff.
    private func consume(stopping: Flag) async throws {
        var failures = 0
        var connected = true  // connect() ran at start-up
        var lastSweep = ContinuousClock.now
        while !stopping.isSet && !Task.isCancelled {
            do {
                if !connected {
                    try await consumer.connect()
                    connected = true
                    logger.info("consumer connected", metadata: ["queue": "\(name)"])
                }
                health.set("broker.consumer.\(name)", ok: true)
                failures = 0
                guard let first = try await consumer.next(timeoutMilliseconds: 1_000) else {
                    if ContinuousClock.now - lastSweep > .seconds(5) {
                        lastSweep = .now
                        try await sweepParked()
                    }
                    continue
                }
                var batch = [first]
                while batch.count < batchSize, !stopping.isSet, let more = try await consumer.next(timeoutMilliseconds: 0) {
                    batch.append(more)
                }
                try await process(batch)
            } catch {
                failures += 1
                connected = false
                health.set("broker.consumer.\(name)", ok: false, detail: "\(error)")
                logger.warning("consumer failed; reconnecting", metadata: ["queue": "\(name)", "error": "\(error)", "attempt": "\(failures)"])
                await consumer.close()
                try? await Task.sleep(for: Backoff.delay(attempt: failures))
            }
        }
        // Closing the connection hands every prefetched, unprocessed delivery back to the queue.
        await consumer.close()
        logger.info("consumer stopped", metadata: ["queue": "\(name)"])
    }

    /// Refreshes `citygrid_queue_depth` until the consumer stops. A failed read keeps the last
    /// value and is logged once per run of failures (the consumer's own health covers the broker).
    private func watchDepth(stopping: Flag) async {
        var failing = false
        while !stopping.isSet && !Task.isCancelled {
            do {
                queueDepth.set(Double(try await inspector.messageCount(queue: name)))
                failing = false
            } catch {
                if !failing { logger.warning("queue depth unavailable", metadata: ["queue": "\(name)", "error": "\(error)"]) }
                failing = true
            }
            try? await Task.sleep(for: depthInterval)
        }
        await inspector.close()
    }

    enum Disposition: Sendable {
        case applied, duplicate, deadLettered(String), parked(String)
    }

    /// Applies a batch in one transaction; on a transient failure of a multi-message batch,
    /// retries the messages one by one so one bad message cannot hold back the others.
    func process(_ batch: [Delivery]) async throws {
        metrics.consumed.increment(by: Int64(batch.count))
        metrics.redelivered.increment(by: Int64(batch.filter(\.redelivered).count))
        let started = ContinuousClock.now
        let parsed = batch.map { Parsed(delivery: $0, message: InboundMessage.parse(body: $0.body, routingKey: $0.routingKey, headers: $0.headers)) }
        observeAge(parsed, receivedAt: Date())
        do {
            try await applyAndAck(parsed)
        } catch where batch.count > 1 && !Self.isConnectionFailure(error) {
            metrics.handlerFailures.increment()
            logger.warning("batch failed; retrying one by one", metadata: ["queue": "\(name)", "error": "\(error)"])
            for item in parsed { try await applySingle(item) }
        } catch where !Self.isConnectionFailure(error) {
            try await applySingle(parsed[0])
        }
        metrics.handlerLatency.record(ContinuousClock.now - started)
        metrics.batchSize.record(Double(batch.count))
    }

    /// A delivery with its envelope read once (for the age metric and for applying it).
    struct Parsed {
        var delivery: Delivery
        var message: Result<InboundMessage, HandlerError>
        var incoming: Incoming { Incoming(delivery: delivery, body: delivery.body, routingKey: delivery.routingKey, message: message) }
    }

    /// Records each message's age: the wall clock now against the envelope `time`, which producers
    /// stamp when they write the message. Deliberately not the service's `CityClock`: the metric
    /// is about real waiting. A producer clock ahead of ours would give a negative age; it counts
    /// as 0. Unreadable envelopes have no time and are not observed (they are dead-lettered).
    private func observeAge(_ parsed: [Parsed], receivedAt now: Date) {
        for item in parsed {
            guard case .success(let message) = item.message else { continue }
            messageAge.record(Self.age(sentAt: message.time, receivedAt: now))
        }
    }

    static func age(sentAt: Date, receivedAt: Date) -> Duration {
        .seconds(max(0, receivedAt.timeIntervalSince(sentAt)))
    }

    static func isConnectionFailure(_ error: any Error) -> Bool {
        if let amqp = error as? AMQPError { return amqp.connectionIsBroken || amqp.kind == .channel }
        if let pg = error as? PGError { return pg.kind == .connection }
        return false
    }

    /// One message alone: a statement error that is not transient marks it as poison.
    private func applySingle(_ item: Parsed) async throws {
        do {
            try await applyAndAck([item])
        } catch let error as PGError where !error.isTransient && error.kind != .connection {
            try await applyAndAck([item], forcedDeadLetter: "handler failed permanently: \(error)")
        } catch let error where !Self.isConnectionFailure(error) && !(error is PGError) {
            try await applyAndAck([item], forcedDeadLetter: "handler failed: \(error)")
        } catch {
            metrics.handlerFailures.increment()
            _ = try? await consumer.nack(item.delivery, requeue: true)
            throw error
        }
    }

    private func applyAndAck(_ items: [Parsed], forcedDeadLetter: String? = nil) async throws {
        let wrote = Flag()
        let now = clock.now()
        let batch = items.map(\.delivery)
        let dispositions = try await applyInTransaction(items.map(\.incoming), forcedDeadLetter: forcedDeadLetter, now: now, wrote: wrote)
        FaultInjection.point("kill-after-commit-before-ack")
        if wrote.isSet { await relayWake.notify() }
        for (delivery, disposition) in zip(batch, dispositions) {
            switch disposition {
            case .applied: break
            case .duplicate: metrics.duplicatesSkipped.increment()
            case .deadLettered(let reason):
                metrics.deadLettered.increment()
                if forcedDeadLetter != nil {
                    // A message we must not lose could not be stored: an operator has to fix and replay it.
                    metrics.unstorable.increment()
                    logger.error("message could not be stored: dead-lettered, its case's later messages follow it there until it is replayed",
                                 metadata: ["queue": "\(name)", "message_id": "\(delivery.messageId)", "reason": "\(reason)"])
                } else {
                    logger.error("message dead-lettered", metadata: ["queue": "\(name)", "message_id": "\(delivery.messageId)", "reason": "\(reason)"])
                }
            case .parked(let reason):
                metrics.parked.increment()
                logger.info("message parked until its case catches up", metadata: ["queue": "\(name)", "message_id": "\(delivery.messageId)", "reason": "\(reason)"])
            }
            try await consumer.ack(delivery)
        }
    }

    /// Applies messages that did not come through a broker, exactly as one batch of deliveries
    /// (one transaction; per message a savepoint, inbox claim, handler, and a retry of the case's
    /// parked messages). Only the same-work monolith benchmark uses it, so both sides run the same SQL.
    public func applyInProcess(_ messages: [InProcessMessage]) async throws -> InProcessOutcome {
        metrics.consumed.increment(by: Int64(messages.count))
        let started = ContinuousClock.now
        let wrote = Flag()
        let now = clock.now()
        let incoming = messages.map {
            Incoming(delivery: nil, body: $0.body, routingKey: $0.routingKey,
                     message: InboundMessage.parse(body: $0.body, routingKey: $0.routingKey, headers: $0.headers))
        }
        let dispositions = try await applyInTransaction(incoming, forcedDeadLetter: nil, now: now, wrote: wrote)
        metrics.handlerLatency.record(ContinuousClock.now - started)
        metrics.batchSize.record(Double(messages.count))
        var outcome = InProcessOutcome(wroteOutbox: wrote.isSet)
        for disposition in dispositions {
            switch disposition {
            case .applied: outcome.applied += 1
            case .duplicate: outcome.duplicates += 1
            case .deadLettered: outcome.deadLettered += 1
            case .parked: outcome.parked += 1
            }
        }
        return outcome
    }

    /// A message to apply, from the broker (`delivery`) or handed over in-process (none).
    struct Incoming {
        var delivery: Delivery?
        var body: [UInt8]
        var routingKey: String
        var message: Result<InboundMessage, HandlerError>
    }

    /// Applies a batch in one transaction. First without savepoints: almost every message simply
    /// applies, and a savepoint with its release were a third of the statements a case cost. When
    /// a handler refuses a message (poison, or too early for its case), that attempt is rolled
    /// back whole and the batch is applied again with a savepoint per message, so the refusal
    /// undoes only its own message's writes.
    private func applyInTransaction(_ items: [Incoming], forcedDeadLetter: String?, now: Date, wrote: Flag) async throws -> [Disposition] {
        do {
            return try await pool.transaction { [self] connection in
                FaultInjection.hangOnce("hang-once-in-handler")
                return try applyBatch(items, forcedDeadLetter: forcedDeadLetter, savepoints: false, connection: connection, now: now, wrote: wrote)
            }
        } catch is RefusedWithoutSavepoint {
            return try await pool.transaction { [self] connection in
                try applyBatch(items, forcedDeadLetter: forcedDeadLetter, savepoints: true, connection: connection, now: now, wrote: wrote)
            }
        }
    }

    /// Thrown out of a batch applied without savepoints when a handler refuses a message.
    struct RefusedWithoutSavepoint: Error {}

    /// The one way messages are applied, with or without a broker: each message's inbox claim and
    /// handler (in its own savepoint when `savepoints`), or a dead letter, or a parked row; then the
    /// parked messages of the cases the batch moved on.
    private func applyBatch(_ items: [Incoming], forcedDeadLetter: String?, savepoints: Bool, connection: PGConnection, now: Date,
                            wrote: Flag) throws -> [Disposition] {
        var results: [Disposition] = []
        var moved: [String] = []
        for item in items {
            let message: InboundMessage
            switch item.message {
            case .failure(let error):
                try deadLetter(connection, delivery: item.delivery, messageId: nil, reason: error.description, wrote: wrote,
                               body: String(decoding: item.body, as: UTF8.self), routingKey: item.routingKey)
                results.append(.deadLettered(error.description))
                continue
            case .success(let m):
                message = m
            }
            if let forcedDeadLetter {
                // A copy of a message already applied or dead-lettered (redelivered after a crash
                // before the ack) is a duplicate, not a second dead letter.
                guard try claim(message, connection: connection) else {
                    results.append(.duplicate)
                    continue
                }
                try deadLetter(connection, delivery: item.delivery, message: message, reason: forcedDeadLetter, wrote: wrote)
                results.append(.deadLettered(forcedDeadLetter))
                continue
            }
            let disposition = try apply(message, delivery: item.delivery, savepoints: savepoints, connection: connection, now: now, wrote: wrote)
            if case .applied = disposition, let subject = message.subject { moved.append(subject) }
            results.append(disposition)
        }
        try retryParked(connection, afterMoving: moved, savepoints: savepoints, now: now, wrote: wrote)
        return results
    }

    /// Inbox claim + handler, inside a savepoint when `savepoints`, so a poison or early message
    /// undoes only itself; without one, a refusal throws ``RefusedWithoutSavepoint``.
    private func apply(_ message: InboundMessage, delivery: Delivery?, savepoints: Bool, connection: PGConnection, now: Date,
                       wrote: Flag) throws -> Disposition {
        // Savepoint and release cost no round trip of their own: they travel with the next statement.
        if savepoints { connection.queue("SAVEPOINT message") }
        guard try claim(message, connection: connection) else {
            if savepoints { connection.queue("RELEASE SAVEPOINT message") }
            return .duplicate
        }
        var logger = self.logger
        if let subject = message.subject { logger[metadataKey: "case_id"] = "\(subject)" }
        logger[metadataKey: "message_id"] = "\(message.id)"
        let context = HandlerContext(
            connection: connection, outbox: OutboxWriter(connection: connection, schema: schema, source: source, cause: message, wrote: wrote),
            logger: logger, now: now)
        do {
            guard let handler = definition.handlers[message.type] else {
                throw HandlerError.invalid("no handler for message type '\(message.type)' on queue \(name)")
            }
            try handler(message, context)
            if savepoints { connection.queue("RELEASE SAVEPOINT message") }
            return .applied
        } catch let error as HandlerError {
            guard savepoints else { throw RefusedWithoutSavepoint() }
            connection.queue("ROLLBACK TO SAVEPOINT message")
            try connection.query("RELEASE SAVEPOINT message")
            switch error {
            case .invalid(let reason):
                try deadLetter(connection, delivery: delivery, message: message, reason: reason, wrote: wrote)
                return .deadLettered(reason)
            case .notYet(let reason):
                if let blocker = try deadLetterBlocking(message, connection: connection) {
                    // Parking would wait for a message that will not come until an operator replays
                    // it: the waiting message joins it in the dead letters, to be replayed after it.
                    let because = "waits for the earlier message \(blocker.messageId) of case \(message.subject ?? "?"), which was dead-lettered (\(blocker.reason)); replay that one first, then this (\(reason))"
                    try deadLetter(connection, delivery: delivery, message: message, reason: because, wrote: wrote)
                    metrics.blockedByDeadLetter.increment()
                    logger.error("message dead-lettered behind an earlier dead letter of its case",
                                 metadata: ["queue": "\(name)", "blocked_by": "\(blocker.messageId)"])
                    return .deadLettered(because)
                }
                try connection.query("""
                    INSERT INTO \(schema).parked_messages (consumer, message_id, subject, routing_key, headers, body, reason)
                    VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
                    ON CONFLICT (consumer, message_id) DO UPDATE SET attempts = parked_messages.attempts + 1, reason = EXCLUDED.reason
                    """, [name, message.id, message.subject, message.routingKey, PGJSON(Self.json(message.headers)),
                          String(decoding: message.body, as: UTF8.self), reason])
                return .parked(reason)
            }
        }
    }

    /// After a batch: re-tries the parked messages of the cases the batch moved on. One query per
    /// batch finds which of them have any (most have none), instead of one per applied message;
    /// a message of the batch that came too early is parked and retried here in arrival order.
    private func retryParked(_ connection: PGConnection, afterMoving subjects: [String], savepoints: Bool, now: Date, wrote: Flag) throws {
        guard !subjects.isEmpty else { return }
        var seen = Set<String>()
        let unique = subjects.filter { seen.insert($0).inserted }
        let waiting = try connection.query(
            "SELECT DISTINCT subject FROM \(schema).parked_messages WHERE consumer = $1 AND subject = ANY($2)",
            [name, PGTextArray(unique)]).rows.map { try $0.string("subject") }
        for subject in unique where waiting.contains(subject) {
            try retryParked(connection, subject: subject, savepoints: savepoints, now: now, wrote: wrote)
        }
    }

    /// Re-tries parked messages of one case until none of them makes progress.
    private func retryParked(_ connection: PGConnection, subject: String, savepoints: Bool, now: Date, wrote: Flag) throws {
        var progressed = true
        while progressed {
            progressed = false
            let rows = try connection.query("""
                SELECT message_id, routing_key, headers::text AS headers, body FROM \(schema).parked_messages
                WHERE consumer = $1 AND subject = $2 ORDER BY parked_at LIMIT 100
                """, [name, subject]).rows
            for row in rows {
                let headers = (try? JSONSerialization.jsonObject(with: Data(try row.string("headers").utf8))) as? [String: String] ?? [:]
                guard case .success(let message) = InboundMessage.parse(body: Array(try row.string("body").utf8),
                                                                         routingKey: try row.string("routing_key"), headers: headers) else { continue }
                try connection.query("DELETE FROM \(schema).parked_messages WHERE consumer = $1 AND message_id = $2", [name, message.id])
                switch try apply(message, delivery: nil, savepoints: savepoints, connection: connection, now: now, wrote: wrote) {
                case .applied, .duplicate, .deadLettered: progressed = true
                case .parked: break  // re-inserted by apply
                }
            }
        }
    }

    /// The inbox claim: true the first time this consumer sees the message id. A dead letter of
    /// ours replayed by an operator after a fix has its id in the inbox already (dead-lettering
    /// claims it): a copy passes while the id has a dead letter not yet replayed, and marks them
    /// all, so one replay applies and a second copy is a duplicate.
    private func claim(_ message: InboundMessage, connection: PGConnection) throws -> Bool {
        if try connection.query("INSERT INTO \(schema).inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                [name, message.id]).affectedRows == 1 { return true }
        guard message.headers[MessagingNames.deadLetteredByHeader] == name else { return false }
        return try connection.query(
            "UPDATE \(schema).dead_letters SET replayed_at = now() WHERE consumer = $1 AND message_id = $2 AND replayed_at IS NULL",
            [name, message.id.uuidString.lowercased()]).affectedRows >= 1
    }

    /// The latest dead letter of this consumer for the message's case, if any.
    private func deadLetterBlocking(_ message: InboundMessage, connection: PGConnection) throws -> (messageId: String, reason: String)? {
        guard let subject = message.subject else { return nil }
        guard let row = try connection.query(
            "SELECT message_id, reason FROM \(schema).dead_letters WHERE consumer = $1 AND subject = $2 AND replayed_at IS NULL ORDER BY id DESC LIMIT 1",
            [name, subject]).first else { return nil }
        return (try row.string("message_id"), String(try row.string("reason").prefix(300)))
    }

    /// Periodically retries every parked case (the enabling change may have come from elsewhere).
    private func sweepParked() async throws {
        let now = clock.now()
        let wrote = Flag()
        let remaining = try await pool.transaction { [self] connection in
            let subjects = try connection.query(
                "SELECT DISTINCT subject FROM \(schema).parked_messages WHERE consumer = $1 AND subject IS NOT NULL LIMIT 50", [name]
            ).rows.compactMap { $0["subject"] }
            // The sweep retries what is known to have waited: savepoints from the start.
            for subject in subjects { try retryParked(connection, subject: subject, savepoints: true, now: now, wrote: wrote) }
            return try connection.query("SELECT count(*) AS n FROM \(schema).parked_messages WHERE consumer = $1", [name]).first?.int("n") ?? 0
        }
        metrics.parkedBacklog.set(Double(remaining))
        if wrote.isSet { await relayWake.notify() }
    }

    private func deadLetter(_ connection: PGConnection, delivery: Delivery?, message: InboundMessage, reason: String, wrote: Flag) throws {
        try deadLetter(connection, delivery: delivery, messageId: message.id, reason: reason, wrote: wrote,
                       body: String(decoding: message.body, as: UTF8.self), routingKey: message.routingKey, type: message.type,
                       subject: message.subject)
    }

    /// Records the poison message locally and sends it, with the reason in a header, to this
    /// queue's dead-letter queue through the outbox (so the dead letter is as durable as any event).
    private func deadLetter(_ connection: PGConnection, delivery: Delivery?, messageId: UUID?, reason: String, wrote: Flag,
                            body: String? = nil, routingKey: String? = nil, type: String? = nil, subject: String? = nil) throws {
        let text = body ?? delivery.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
        let key = routingKey ?? delivery?.routingKey ?? ""
        if let messageId {
            try connection.query("INSERT INTO \(schema).inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [name, messageId])
        }
        try connection.query("INSERT INTO \(schema).dead_letters (consumer, message_id, routing_key, reason, body, subject) VALUES ($1, $2, $3, $4, $5, $6)",
                             [name, messageId?.uuidString.lowercased() ?? delivery?.messageId ?? "", key, reason, text, subject])
        let outbox = OutboxWriter(connection: connection, schema: schema, source: source, cause: nil, wrote: wrote)
        var headers = delivery?.headers ?? [:]
        headers[MessagingNames.deadLetterReasonHeader] = String(reason.prefix(1000))
        headers[MessagingNames.originalRoutingKeyHeader] = key
        headers["x-citygrid-original-message-id"] = messageId?.uuidString.lowercased() ?? delivery?.messageId ?? ""
        headers[MessagingNames.deadLetteredByHeader] = name
        try outbox.enqueue(exchange: MessagingNames.deadLetterExchange, routingKey: name,
                           type: type ?? delivery?.type ?? "unknown", messageId: UUID(), subject: nil, headers: headers, body: text)
    }

    static func json(_ headers: [String: String]) -> String {
        (try? JSONSerialization.data(withJSONObject: headers, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// A message handed to ``MessageConsumerService/applyInProcess(_:)`` without a broker.
public struct InProcessMessage: Sendable {
    public var body: [UInt8]
    public var routingKey: String
    public var headers: [String: String]
    public init(body: [UInt8], routingKey: String, headers: [String: String]) {
        self.body = body
        self.routingKey = routingKey
        self.headers = headers
    }
}

/// What ``MessageConsumerService/applyInProcess(_:)`` did with its messages.
public struct InProcessOutcome: Sendable {
    /// The transaction added outbox rows (something for the next stage).
    public var wroteOutbox: Bool
    public var applied = 0
    public var duplicates = 0
    public var deadLettered = 0
    public var parked = 0
}
