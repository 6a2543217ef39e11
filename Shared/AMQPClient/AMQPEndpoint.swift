import Foundation

/// Where and as whom to connect, parsed from an `amqp://user:password@host:port/vhost` URL.
public struct AMQPEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var virtualHost: String
    public var user: String
    public var password: String
    /// Heartbeat interval negotiated at login; the consume loop calls into librabbitmq at least
    /// every half of it so the library can answer heartbeats.
    public var heartbeatSeconds: Int
    public var connectTimeoutMilliseconds: Int

    public init(host: String, port: Int = 5672, virtualHost: String = "/", user: String, password: String,
                heartbeatSeconds: Int = 30, connectTimeoutMilliseconds: Int = 5_000) {
        self.host = host
        self.port = port
        self.virtualHost = virtualHost
        self.user = user
        self.password = password
        self.heartbeatSeconds = heartbeatSeconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
    }

    /// Parses an AMQP URI (RabbitMQ's form: the path is the percent-encoded vhost; empty path = "/").
    public init(url: String) throws(AMQPError) {
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
        self.init(host: host, port: components.port ?? 5672, virtualHost: vhost, user: user,
                  password: components.password ?? "")
        for item in components.queryItems ?? [] {
            if item.name == "heartbeat", let value = item.value.flatMap(Int.init) { heartbeatSeconds = value }
            if item.name == "connection_timeout", let value = item.value.flatMap(Int.init) { connectTimeoutMilliseconds = value }
        }
    }

    /// The URL without the password, for logs.
    public var redacted: String { "amqp://\(user)@\(host):\(port)/\(virtualHost)" }
}
