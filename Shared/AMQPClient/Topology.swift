/// An exchange a service publishes to or binds from.
public struct ExchangeSpec: Sendable, Hashable {
    public enum Kind: String, Sendable { case topic, direct, fanout }
    public var name: String
    public var kind: Kind
    /// Passive declarations only check that the exchange exists. Shared exchanges are created by
    /// provisioning, so services with narrow permissions declare them passively.
    public var passive: Bool

    public init(name: String, kind: Kind, passive: Bool = true) {
        self.name = name
        self.kind = kind
        self.passive = passive
    }
}

/// A durable queue with its dead-letter settings and bindings.
public struct QueueSpec: Sendable, Hashable {
    public struct Binding: Sendable, Hashable {
        public var exchange: String
        public var routingKey: String
        public init(exchange: String, routingKey: String) {
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    public var name: String
    public var quorum: Bool
    public var deadLetterExchange: String?
    public var deadLetterRoutingKey: String?
    /// Quorum queues count deliveries; past this many the broker dead-letters the message.
    /// RabbitMQ 3.10 has no default, so every quorum queue of ours sets one.
    public var deliveryLimit: Int
    /// Quorum-queue at-least-once dead-lettering (needs overflow reject-publish).
    public var atLeastOnceDeadLettering: Bool
    public var bindings: [Binding]

    public init(name: String, quorum: Bool = true, deadLetterExchange: String? = nil, deadLetterRoutingKey: String? = nil,
                deliveryLimit: Int = 0, atLeastOnceDeadLettering: Bool = false, bindings: [Binding] = []) {
        self.name = name
        self.quorum = quorum
        self.deadLetterExchange = deadLetterExchange
        self.deadLetterRoutingKey = deadLetterRoutingKey
        self.deliveryLimit = deliveryLimit
        self.atLeastOnceDeadLettering = atLeastOnceDeadLettering
        self.bindings = bindings
    }
}

/// Everything one connection declares after it connects (and again after every reconnect).
public struct Topology: Sendable, Hashable {
    public var exchanges: [ExchangeSpec]
    public var queues: [QueueSpec]

    public init(exchanges: [ExchangeSpec] = [], queues: [QueueSpec] = []) {
        self.exchanges = exchanges
        self.queues = queues
    }
}
