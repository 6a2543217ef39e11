import AMQPClient
import CityGridPlatform
import PGClient
import Testing

/// Reliability #8: a dead peer (packets dropped, no RST or FIN) must be noticed within a bound,
/// not after the kernel's defaults. These check the settings that carry the bounds.
@Suite("Dead-peer bounds: libpq keepalives / tcp_user_timeout, AMQP heartbeats / TCP_USER_TIMEOUT")
struct DeadPeerBoundsTests {
    func parameters(_ settings: PGSettings) -> [String: String] {
        Dictionary(settings.connectionParameters.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    @Test("by default libpq gets keepalives and a 20 s user timeout, before dbname so the URL can override them")
    func postgresDefaults() {
        let settings = PGSettings(url: "postgresql://u:p@127.0.0.1:1/db", applicationName: "t")
        let p = parameters(settings)
        #expect(p["keepalives"] == "1")
        #expect(p["tcp_user_timeout"] == "20000")
        #expect(p["keepalives_idle"] == "10")
        #expect(p["keepalives_interval"] == "3")
        #expect(p["keepalives_count"] == "3")
        let keys = settings.connectionParameters.map(\.key)
        #expect(keys.firstIndex(of: "tcp_user_timeout")! < keys.firstIndex(of: "dbname")!)
        #expect(keys.firstIndex(of: "keepalives_idle")! < keys.firstIndex(of: "dbname")!)
        #expect(keys.firstIndex(of: "options")! > keys.firstIndex(of: "dbname")!)
        #expect(settings.deadPeerBoundMilliseconds == 23_000)
    }

    @Test("0 leaves the kernel's defaults; a short bound keeps every interval at least a second")
    func postgresOffAndShort() {
        let off = PGSettings(url: "postgresql://x/db", applicationName: "t", deadPeerTimeoutMilliseconds: 0)
        #expect(parameters(off)["tcp_user_timeout"] == nil && parameters(off)["keepalives"] == nil)
        #expect(off.deadPeerBoundMilliseconds == nil)
        let short = parameters(PGSettings(url: "postgresql://x/db", applicationName: "t", deadPeerTimeoutMilliseconds: 1_500))
        #expect(short["keepalives_idle"] == "1" && short["keepalives_interval"] == "1" && short["tcp_user_timeout"] == "1500")
    }

    @Test("CITYGRID_DB_DEAD_PEER_TIMEOUT_MS is read, 0 is allowed, a value under a second is refused")
    func configuration() throws {
        let base = ["CITYGRID_DB_URL": "postgresql://cg_intake@127.0.0.1:55432/citygrid",
                    "CITYGRID_AMQP_URL": "amqp://intake:pw@127.0.0.1:5673/citygrid"]
        #expect(try ServiceConfiguration.load(service: "intake", defaultHTTPPort: 1, environment: EnvironmentReader(base))
            .databaseDeadPeerTimeoutMilliseconds == 20_000)
        for (text, value) in [("8000", 8_000), ("0", 0)] {
            var env = base
            env["CITYGRID_DB_DEAD_PEER_TIMEOUT_MS"] = text
            #expect(try ServiceConfiguration.load(service: "intake", defaultHTTPPort: 1, environment: EnvironmentReader(env))
                .databaseDeadPeerTimeoutMilliseconds == value)
        }
        for bad in ["500", "-1", "soon"] {
            var env = base
            env["CITYGRID_DB_DEAD_PEER_TIMEOUT_MS"] = bad
            #expect(throws: ConfigurationError.self) {
                try ServiceConfiguration.load(service: "intake", defaultHTTPPort: 1, environment: EnvironmentReader(env))
            }
        }
    }

    @Test("AMQP: the socket's user timeout follows the heartbeat (two intervals) unless the URL sets it")
    func amqp() throws {
        let standard = try AMQPEndpoint(url: "amqp://u:p@127.0.0.1:5673/v")
        #expect(standard.heartbeatSeconds == 30 && standard.tcpUserTimeoutMilliseconds == 60_000 && standard.deadPeerBoundSeconds == 60)
        let fast = try AMQPEndpoint(url: "amqp://u:p@127.0.0.1:5673/v?heartbeat=5")
        #expect(fast.tcpUserTimeoutMilliseconds == 10_000 && fast.deadPeerBoundSeconds == 10)
        let explicit = try AMQPEndpoint(url: "amqp://u:p@127.0.0.1:5673/v?heartbeat=5&tcp_user_timeout=4000")
        #expect(explicit.tcpUserTimeoutMilliseconds == 4_000)
        let off = try AMQPEndpoint(url: "amqp://u:p@127.0.0.1:5673/v?heartbeat=0")
        #expect(off.tcpUserTimeoutMilliseconds == 0 && off.deadPeerBoundSeconds == nil)
    }
}
