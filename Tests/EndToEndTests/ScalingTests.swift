import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

/// Past one database server: a service's schema on a server of its own, and supervision's query
/// API reading from a streaming replica of its server (scripts/infra pg2 / replica), with the five
/// services as separate processes on real RabbitMQ and PostgreSQL.
@Suite("End to end: schemas on two servers, reads from a replica", .serialized)
final class ScalingTests {
    static var point: [String: Any] { ["longitude": 111.6622, "latitude": 40.8071] }
    let env = TestEnvironment()
    var city: InjectedCity?

    deinit { city?.stop() }

    func report(_ city: InjectedCity) async throws -> String {
        let created = try await city.request("POST", "intake", "/api/v1/reports", body: [
            "channel": "hotline_12345", "channelReference": "S-\(UUID().uuidString.prefix(8))", "kind": "event", "classCode": "0102",
            "location": Self.point, "description": "scaling check",
        ], token: city.token(.acceptor, sub: "hotline-agent"))
        #expect(created.status == 201, "\(created.text)")
        return try #require(created.json["caseId"] as? String)
    }

    @Test("assessment's schema on a second PostgreSQL server: its facts are written there and nowhere else")
    func schemaOnItsOwnServer() async throws {
        try await env.infra("pg2", "up")
        let second = try env.stateEnvironment("pg2.env")
        let assessmentURL = try #require(second["CITYGRID_TEST_PG2_DB_URL_ASSESSMENT"])
        let started = try await InjectedCity.start("scaling", at: Date(),
                                                   serviceEnvironment: ["assessment": ["CITYGRID_DB_URL": assessmentURL]])
        city = started
        let caseId = try await report(started)
        let onSecond = PGPool(settings: PGSettings(url: try #require(second["CITYGRID_TEST_PG2_ADMIN_URL"]), applicationName: "scaling-test", poolSize: 1))
        try await eventually(timeout: .seconds(40), "the case's facts on the second server") {
            try await onSecond.withConnection { connection in
                try connection.query("SELECT 1 FROM assessment.case_facts WHERE case_id = $1", [caseId]).rows.count == 1
            }
        }
        // The first server's scratch database never saw assessment's tables.
        let onFirst = try started.scratch.adminPool()
        let table = try await onFirst.withConnection { try $0.query("SELECT to_regclass('assessment.case_facts') AS t").first?["t"] }
        #expect(table == nil)
        // …while the other services' schemas there hold the case.
        let cases = try await onFirst.withConnection { try $0.query("SELECT count(*) AS n FROM supervision.cases WHERE id = $1", [caseId]).first?.int("n") }
        #expect(cases == 1)
        started.stop()
        city = nil
    }

    @Test("supervision's query API reads from the replica and says how stale it may be; without the replica it reads the primary")
    func readsFromReplica() async throws {
        let wasRunning = (try? await env.infra("replica", "status")) != nil
        try await env.infra("replica", "up")
        let replicaBase = try #require(try env.stateEnvironment("replica.env")["CITYGRID_TEST_DB_READ_URL_SUPERVISION"])
        var readURL = try #require(URLComponents(string: replicaBase))
        readURL.path = "/citygrid_scaling_reads"
        let started = try await InjectedCity.start("scaling_reads", at: Date(), serviceEnvironment: [
            "supervision": ["CITYGRID_DB_READ_URL": try #require(readURL.string), "CITYGRID_DB_READ_MAX_STALENESS_S": "30"],
        ])
        city = started
        let caseId = try await report(started)
        let supervision = try #require(started.services["supervision"])
        let auditor = ["Authorization": "Bearer \(started.token(.auditor, sub: "auditor-scaling"))"]
        var answer: (status: Int, body: Data, headers: [String: String])?
        // The case appears on the replica a moment after the primary has it (until the service
        // has seen the replica streaming, it reads the primary and says so).
        try await eventually(timeout: .seconds(40), "the case read from the replica") {
            answer = try await supervision.exchange("GET", "/api/v1/cases/\(caseId)", headers: auditor)
            return answer?.status == 200 && answer?.headers["citygrid-read-source"] == "replica"
        }
        let staleness = try #require(answer?.headers["citygrid-read-staleness"].flatMap(Double.init))
        #expect(staleness >= 0 && staleness <= 30)
        let list = try await supervision.exchange("GET", "/api/v1/cases?limit=5", headers: auditor)
        #expect(list.status == 200 && ["replica", "primary"].contains(list.headers["citygrid-read-source"]))
        // Commands go to the primary, whatever the replica does.
        let health = try await supervision.exchange("GET", "/health/ready")
        #expect(health.headers["citygrid-read-source"] == nil)

        // The replica goes away: reads fall back to the primary and say so.
        try await env.infra("replica", "down")
        try await eventually(timeout: .seconds(20), "reads from the primary") {
            let fallback = try await supervision.exchange("GET", "/api/v1/cases/\(caseId)", headers: auditor)
            return fallback.status == 200 && fallback.headers["citygrid-read-source"] == "primary"
        }
        started.stop()
        city = nil
        if wasRunning { try await env.infra("replica", "up") } else { try await env.infra("replica", "remove") }
    }
}
