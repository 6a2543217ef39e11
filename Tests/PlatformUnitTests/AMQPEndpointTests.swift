import AMQPClient
import CityGridPlatform
import Testing

@Suite("AMQP endpoint: one node or the nodes of a cluster")
struct AMQPEndpointTests {
    @Test("a single URL gives one node, vhost decoded, options read")
    func single() throws {
        let endpoint = try AMQPEndpoint(url: "amqp://intake:secret@127.0.0.1:5673/citygrid%2Dtest?heartbeat=10")
        #expect(endpoint.nodes == [.init(host: "127.0.0.1", port: 5673)])
        #expect(endpoint.virtualHost == "citygrid-test")
        #expect(endpoint.heartbeatSeconds == 10)
        #expect(endpoint.redacted == "amqp://intake@127.0.0.1:5673/citygrid-test")
    }

    @Test("a comma-separated list names every node of one cluster, in order")
    func cluster() throws {
        let endpoint = try AMQPEndpoint(url: "amqp://intake:pw@127.0.0.1:5701/citygrid, amqp://intake:pw@127.0.0.1:5702/citygrid,amqp://intake:pw@10.0.0.3/citygrid")
        #expect(endpoint.nodes.map(\.description) == ["127.0.0.1:5701", "127.0.0.1:5702", "10.0.0.3:5672"])
        #expect(endpoint.user == "intake" && endpoint.password == "pw" && endpoint.virtualHost == "citygrid")
        #expect(endpoint.redacted == "amqp://intake@127.0.0.1:5701,127.0.0.1:5702,10.0.0.3:5672/citygrid")
    }

    @Test("the URLs of one cluster must be one login: another user, vhost or an empty entry is refused")
    func mismatched() {
        for url in ["amqp://intake:pw@h1:1/citygrid,amqp://routing:pw@h2:2/citygrid",
                    "amqp://intake:pw@h1:1/citygrid,amqp://intake:pw@h2:2/other",
                    "amqp://intake:pw@h1:1/citygrid,amqp://intake:other@h2:2/citygrid",
                    "amqp://intake:pw@h1:1/citygrid,,amqp://intake:pw@h2:2/citygrid",
                    "amqp://intake:pw@h1:1/citygrid,http://h2/citygrid"] {
            #expect(throws: AMQPError.self, "\(url)") { try AMQPEndpoint(url: url) }
        }
    }

    @Test("a service's configuration accepts a cluster list and names the variable when it is wrong")
    func configuration() throws {
        let base = ["CITYGRID_DB_URL": "postgresql://cg_intake@127.0.0.1:55432/citygrid"]
        var good = base
        good["CITYGRID_AMQP_URL"] = "amqp://intake:pw@127.0.0.1:5701/citygrid,amqp://intake:pw@127.0.0.1:5702/citygrid"
        let configuration = try ServiceConfiguration.load(service: "intake", defaultHTTPPort: 8081, environment: EnvironmentReader(good))
        #expect(try AMQPEndpoint(url: configuration.amqpURL).nodes.count == 2)
        var bad = base
        bad["CITYGRID_AMQP_URL"] = "amqp://intake:pw@127.0.0.1:5701/citygrid,amqp://routing:pw@127.0.0.1:5702/citygrid"
        #expect { try ServiceConfiguration.load(service: "intake", defaultHTTPPort: 8081, environment: EnvironmentReader(bad)) } throws: { error in
            (error as? ConfigurationError)?.variable == "CITYGRID_AMQP_URL"
        }
    }
}
