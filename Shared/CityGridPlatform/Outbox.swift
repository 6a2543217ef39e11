import CityGridModel
import Foundation
import PGClient

/// Writes messages into the service's outbox inside the caller's transaction, so they are sent
/// if and only if the transaction commits.
public struct OutboxWriter {
    public let connection: PGConnection
    let schema: String
    let source: String
    let encoder: JSONEncoder
    /// Filled by the consumer runtime when a message is being handled: its id becomes the
    /// causation id, its correlation id and trace are carried on.
    let cause: InboundMessage?
    /// Set when the outbox gained rows, so the relay can be woken after commit.
    let wrote: Flag

    init(connection: PGConnection, schema: String, source: String, cause: InboundMessage?, wrote: Flag) {
        self.connection = connection
        self.schema = schema
        self.source = source
        self.encoder = MessageCoding.encoder()
        self.cause = cause
        self.wrote = wrote
    }

    /// Adds an event to the outbox.
    /// - Parameters:
    ///   - subject: the case id the event is about.
    ///   - id: a deterministic id makes a re-run of the same decision produce the same message.
    /// - Returns: the message id.
    @discardableResult
    public func publish<E: DomainEvent>(_ event: E, subject: String?, at time: Date, id: UUID = UUID(),
                                        exchange: String = MessagingNames.eventsExchange) throws -> UUID {
        let envelope = Envelope(
            id: id, type: E.eventType, source: "/citygrid/\(source)", time: time, subject: subject,
            correlationId: cause?.correlationId ?? cause?.id.uuidString.lowercased() ?? id.uuidString.lowercased(),
            causationId: cause?.id.uuidString.lowercased(), data: event)
        let body = String(decoding: try encoder.encode(envelope), as: UTF8.self)
        let headers = [MessagingNames.traceparentHeader: TraceContext.child(of: cause?.headers[MessagingNames.traceparentHeader])]
        try enqueue(exchange: exchange, routingKey: event.routingKey, type: E.eventType, messageId: id, subject: subject,
                    headers: headers, body: body)
        return id
    }

    /// Adds an already-encoded message (dead letters, replays).
    public func enqueue(exchange: String, routingKey: String, type: String, messageId: UUID, subject: String?,
                        headers: [String: String], body: String) throws {
        let headerJSON = String(decoding: try JSONSerialization.data(withJSONObject: headers, options: [.sortedKeys]), as: UTF8.self)
        try connection.query("""
            INSERT INTO \(schema).outbox (message_id, exchange, routing_key, message_type, subject, headers, body)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
            ON CONFLICT (message_id) DO NOTHING
            """, [messageId, exchange, routingKey, type, subject, PGJSON(headerJSON), body])
        wrote.set()
    }
}

/// W3C trace context (`traceparent`) carried on every message.
public enum TraceContext {
    /// A new span in the trace of `parent`, or a new trace when there is none.
    public static func child(of parent: String?) -> String {
        let traceId: String
        if let parent, let parsed = parse(parent) { traceId = parsed.traceId } else { traceId = randomHex(16) }
        return "00-\(traceId)-\(randomHex(8))-01"
    }

    public static func parse(_ header: String) -> (traceId: String, spanId: String)? {
        let parts = header.split(separator: "-")
        guard parts.count == 4, parts[1].count == 32, parts[2].count == 16 else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

/// A one-way flag shared between a transaction closure and the code that runs after it.
public final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public func set() { lock.withLock { value = true } }
    public var isSet: Bool { lock.withLock { value } }
}
