/// A failure talking to the broker, with enough detail for an operator to act on.
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it was; decides whether a retry on a new connection can help.
    public enum Kind: String, Sendable {
        /// The TCP connection or login failed, or the connection was lost.
        case connection
        /// The broker refused an operation for lack of permission (AMQP 403).
        case accessRefused
        /// A queue or exchange that must exist does not (AMQP 404).
        case notFound
        /// A declaration conflicts with what exists (AMQP 406), or another channel-level error.
        case channel
        /// A confirm did not arrive in time (the broker may be blocked by a resource alarm).
        case timeout
        /// A URL or setting is malformed.
        case configuration
    }

    public let kind: Kind
    public let message: String
    /// The AMQP reply code when the broker sent one.
    public let replyCode: UInt16

    public init(_ kind: Kind, _ message: String, replyCode: UInt16 = 0) {
        self.kind = kind
        self.message = message
        self.replyCode = replyCode
    }

    public var description: String { message }

    /// Whether the connection that produced this error is unusable.
    public var connectionIsBroken: Bool { kind == .connection || kind == .timeout }

    static func fromBroker(code: UInt16, text: String, connectionClosed: Bool) -> AMQPError {
        switch code {
        case 403: return AMQPError(.accessRefused, text, replyCode: code)
        case 404: return AMQPError(.notFound, text, replyCode: code)
        default: return AMQPError(connectionClosed ? .connection : .channel, text, replyCode: code)
        }
    }
}
