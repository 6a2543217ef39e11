import Foundation
import Synchronization

/// Where and as whom to connect, parsed from an `amqp://user:password@host:port/vhost` URL, or
/// from several such URLs separated by commas: the nodes of one RabbitMQ cluster. Every
/// connection goes to one node; when that node cannot be reached the next is tried, so a service
/// given all the nodes of a cluster keeps working while any one of them is down.
public struct AMQPEndpoint: Sendable, Equatable {
    /// One broker node's address.
    public struct Node: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) { self.host = host; self.port = port }
        public var description: String { "\(host):\(port)" }
    }

    /// The cluster's nodes, in the order given; never empty.
    public var nodes: [Node]
    public var virtualHost: String
    public var user: String
    public var password: String
    /// Heartbeat interval negotiated at login; the consume loop calls into librabbitmq at least
    /// every half of it so the library can answer heartbeats.
    ///
    /// This is also the bound on noticing a dead broker (or a dead link to it: packets dropped,
    /// no RST or FIN): librabbitmq fails a connection from which nothing arrived for two
    /// intervals (`AMQP_STATUS_HEARTBEAT_TIMEOUT`). URL option `heartbeat` (seconds); 0 turns
    /// heartbeats off, and with them the bound.
    public var heartbeatSeconds: Int
    public var connectTimeoutMilliseconds: Int
    /// `TCP_USER_TIMEOUT` of the socket: how long sent data may stay unacknowledged before the
    /// kernel fails the connection. It bounds a send blocked on a full buffer, which heartbeats
    /// do not (librabbitmq checks them only while reading). URL option `tcp_user_timeout`
    /// (milliseconds); by default two heartbeat intervals, the same bound as the heartbeats'.
    public var tcpUserTimeoutMilliseconds: Int {
        get { explicitTCPUserTimeout ?? (heartbeatSeconds > 0 ? heartbeatSeconds * 2_000 : 0) }
        set { explicitTCPUserTimeout = newValue }
    }
    private var explicitTCPUserTimeout: Int?
    /// How long after its last frame from the broker a connection is taken for dead: two
    /// heartbeat intervals (nil when heartbeats are off).
    public var deadPeerBoundSeconds: Int? { heartbeatSeconds > 0 ? 2 * heartbeatSeconds : nil }

    /// The first node (a single-node endpoint's only one).
    public var host: String { nodes[0].host }
    public var port: Int { nodes[0].port }

    public init(host: String, port: Int = 5672, virtualHost: String = "/", user: String, password: String,
                heartbeatSeconds: Int = 30, connectTimeoutMilliseconds: Int = 5_000) {
        self.init(nodes: [Node(host: host, port: port)], virtualHost: virtualHost, user: user, password: password,
                  heartbeatSeconds: heartbeatSeconds, connectTimeoutMilliseconds: connectTimeoutMilliseconds)
    }

    public init(nodes: [Node], virtualHost: String = "/", user: String, password: String,
                heartbeatSeconds: Int = 30, connectTimeoutMilliseconds: Int = 5_000) {
        precondition(!nodes.isEmpty, "an AMQP endpoint needs at least one node")
        self.nodes = nodes
        self.virtualHost = virtualHost
        self.user = user
        self.password = password
        self.heartbeatSeconds = heartbeatSeconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
    }

    /// Parses an AMQP URI (RabbitMQ's form: the path is the percent-encoded vhost; empty path = "/"),
    /// or a comma-separated list of them naming the nodes of one cluster. All URLs of a list must
    /// agree on user, password, vhost and query options: they are one login to one cluster.
    public init(url: String) throws(AMQPError) {
        let parts = url.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var parsed: [AMQPEndpoint] = []
        for part in parts {
            guard !part.isEmpty else { throw AMQPError(.configuration, "the list of AMQP URLs has an empty entry") }
            parsed.append(try Self.single(part))
        }
        var first = parsed[0]
        for other in parsed.dropFirst() {
            guard other.user == first.user, other.password == first.password, other.virtualHost == first.virtualHost,
                  other.heartbeatSeconds == first.heartbeatSeconds,
                  other.tcpUserTimeoutMilliseconds == first.tcpUserTimeoutMilliseconds,
                  other.connectTimeoutMilliseconds == first.connectTimeoutMilliseconds else {
                throw AMQPError(.configuration, "the URLs of one cluster must share user, password, vhost and options (\(other.redacted) differs from \(first.redacted))")
            }
            first.nodes += other.nodes
        }
        self = first
    }

    private static func single(_ url: String) throws(AMQPError) -> AMQPEndpoint {
        guard let components = URLComponents(string: url), components.scheme == "amqp" else {
            throw AMQPError(.configuration, "not an amqp:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw AMQPError(.configuration, "the URL has no host") }
        guard let user = components.user, !user.isEmpty else { throw AMQPError(.configuration, "the URL has no user") }
        let path = components.percentEncodedPath
        let vhost: String
        if path.isEmpty || path == "/" {
            vhost = "/"
        } else {
            vhost = String(path.dropFirst()).removingPercentEncoding ?? String(path.dropFirst())
        }
        var endpoint = AMQPEndpoint(host: host, port: components.port ?? 5672, virtualHost: vhost, user: user,
                                    password: components.password ?? "")
        for item in components.queryItems ?? [] {
            if item.name == "heartbeat", let value = item.value.flatMap(Int.init) { endpoint.heartbeatSeconds = value }
            if item.name == "connection_timeout", let value = item.value.flatMap(Int.init) { endpoint.connectTimeoutMilliseconds = value }
            if item.name == "tcp_user_timeout", let value = item.value.flatMap(Int.init), value >= 0 { endpoint.tcpUserTimeoutMilliseconds = value }
        }
        return endpoint
    }

    /// The URL without the password, for logs (all nodes of a cluster).
    public var redacted: String {
        "amqp://\(user)@\(nodes.map(\.description).joined(separator: ","))/\(virtualHost)"
    }

    /// The nodes in the order one connection attempt tries them. Successive attempts of this
    /// process start at successive nodes, so a service's connections spread over the cluster and
    /// a reconnect after a node's loss does not begin at the node that was just lost.
    func nodesForNextAttempt() -> [Node] {
        guard nodes.count > 1 else { return nodes }
        let start = AMQPEndpoint.attempts.add(1, ordering: .relaxed).oldValue % nodes.count
        return Array(nodes[start...] + nodes[..<start])
    }

    private static let attempts = Atomic<Int>(0)
}
