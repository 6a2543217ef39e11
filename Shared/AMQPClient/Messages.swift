import Foundation

/// A persistent message to publish.
public struct OutgoingMessage: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    public var messageId: String
    public var type: String
    public var timestamp: Date
    public var headers: [String: String]
    public var body: [UInt8]
    /// With `mandatory`, a message no queue is bound for comes back as `basic.return`
    /// instead of being confirmed and silently dropped.
    public var mandatory: Bool

    public init(exchange: String, routingKey: String, messageId: String, type: String, timestamp: Date = Date(),
                headers: [String: String] = [:], body: [UInt8], mandatory: Bool = true) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.messageId = messageId
        self.type = type
        self.timestamp = timestamp
        self.headers = headers
        self.body = body
        self.mandatory = mandatory
    }
}

/// What became of one published message.
public enum PublishOutcome: Sendable, Equatable {
    /// The broker took responsibility for it (routed and, for quorum queues, replicated).
    case confirmed
    /// No queue matched; the broker handed it back. The reason names the routing key.
    case returned(reason: String)
    /// The broker refused it (internal error or a queue in reject-publish overflow).
    case nacked
}

/// A message received from a queue. Acknowledge it with the same consumer.
public struct Delivery: Sendable {
    public var deliveryTag: UInt64
    /// Which connection it came on: tags are only valid on the connection that delivered them.
    public var connectionGeneration: Int
    public var redelivered: Bool
    public var body: [UInt8]
    public var messageId: String
    public var type: String
    public var routingKey: String
    public var exchange: String
    /// Quorum queues count earlier failed deliveries; nil when the header is absent.
    public var deliveryCount: Int?
    public var headers: [String: String]
}
