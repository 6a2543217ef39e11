import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import TestSupport
import Testing

/// The dashboard's counts on the real binary, in a scratch database and vhost of their own (no
/// other service moves these cases): per grid and per channel, narrowed by the list's filters.
@Suite("Supervision counts by grid and channel with filters (real broker and database)", .serialized)
struct SupervisionCountsTests {
    let h = SupervisionHarness()

    struct Counts: Decodable {
        struct Row: Decodable { var key: String?; var count: Int }
        var by: String
        var counts: [Row]
        var table: [String: Int] { Dictionary(counts.map { ($0.key ?? "-", $0.count) }, uniquingKeysWith: +) }
    }

    func counts(_ service: ServiceProcess, _ query: String, scope: AccessScope = .city) async throws -> Counts {
        let (status, data) = try await service.http("GET", "/api/v1/cases/counts?\(query)",
                                                    headers: ["Authorization": "Bearer \(h.token(.auditor, scope: scope))"])
        #expect(status == 200, "\(query): \(String(decoding: data, as: UTF8.self))")
        return try MessageCoding.decoder().decode(Counts.self, from: data)
    }

    @Test("by=grid and by=channel count the cases the filters select: states, district, reported from/to, overdue; scope holds")
    func gridAndChannel() async throws {
        let scratch = try await ScratchEnvironment.recreate("supervision_counts")
        let service = try ServiceProcess(executable: h.env.binDirectory + "/supervision", port: testPort(), environment: [
            "CITYGRID_DB_URL": try scratch.databaseURL("SUPERVISION"),
            "CITYGRID_AMQP_URL": try scratch.amqpURL("SUPERVISION"),
            "CITYGRID_TOKEN_SECRET": SupervisionHarness.secret,
            "CITYGRID_SUPERVISION_SCAN_SECONDS": "1",
            "CITYGRID_SUPERVISION_COUNTS_TTL_SECONDS": "0",
        ])
        defer { service.terminate() }
        try await service.waitUntilReady()

        let first = SupervisionHarness.grid
        let second = (grid: "150102001001002", community: "150102001001", street: "150102001", district: "150102")
        let elsewhere = (grid: "150103001001001", community: "150103001001", street: "150103001", district: "150103")
        let now = Date(), twoDaysAgo = now.addingTimeInterval(-2 * 86_400)
        // A supervisor's report is filed at once (awaiting dispatch); a public report waits for verification.
        let cases: [(UUID, ReportChannel, Date, (grid: String, community: String, street: String, district: String))] = [
            (UUID(), .supervisor, now, first), (UUID(), .app, now, first), (UUID(), .supervisor, twoDaysAgo, second),
            (UUID(), .hotline12345, now, elsewhere),
        ]
        for (id, channel, at, grid) in cases {
            #expect(try await scratch.publish(h.reported(id, channel: channel, at: at), subject: id) == [.confirmed])
            #expect(try await scratch.publish(h.located(id, grid: grid), subject: id) == [.confirmed])
        }
        for (id, channel, _, _) in cases {
            try await h.waitCase(service, id, "located and moved on") { detail in
                channel == .supervisor ? detail.case.state == "awaiting_dispatch" : detail.case.state == "awaiting_verify"
            }
        }

        #expect(try await counts(service, "by=grid").table == [first.grid: 2, second.grid: 1, elsewhere.grid: 1])
        #expect(try await counts(service, "by=grid&state=awaiting_verify").table == [first.grid: 1, elsewhere.grid: 1])
        #expect(try await counts(service, "by=grid&state=awaiting_dispatch,in_handling&district=150102").table == [first.grid: 1, second.grid: 1])
        let today = RFC3339.format(now.addingTimeInterval(-3600)), tomorrow = RFC3339.format(now.addingTimeInterval(86_400))
        let intake = try await counts(service, "by=channel&from=\(today.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                                      + "&to=\(tomorrow.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
        #expect(intake.by == "channel")
        #expect(intake.table == ["supervisor": 1, "app": 1, "hotline_12345": 1])
        #expect(try await counts(service, "by=channel").table == ["supervisor": 2, "app": 1, "hotline_12345": 1])
        // Only the case reported two days ago can have a clock past its deadline; today's cannot.
        #expect(Set(try await counts(service, "by=grid&overdue=true").table.keys).isSubset(of: [second.grid]))
        // No department has asked for anything yet; every clock is running unmarked or marked overdue.
        #expect(try await counts(service, "by=grid&pending=any").table.isEmpty)
        #expect(try await counts(service, "by=grid&pending=return,extension").table.isEmpty)
        let green = try await counts(service, "by=grid&light=green").table.values.reduce(0, +)
        let red = try await counts(service, "by=grid&light=red").table.values.reduce(0, +)
        #expect(green + red == 4 && green >= 3)
        // A district token counts its own district only, whatever it asks for.
        let district = AccessScope(level: .district, code: "150102")
        #expect(try await counts(service, "by=grid", scope: district).table == [first.grid: 2, second.grid: 1])
        #expect(try await counts(service, "by=grid&district=150103", scope: district).counts.isEmpty)
        let (bad, _) = try await service.http("GET", "/api/v1/cases/counts?by=grid&limit=5",
                                              headers: ["Authorization": "Bearer \(h.token(.auditor))"])
        #expect(bad == 422)
    }
}
