import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
@testable import SupervisionService
import TestSupport
import Testing

/// Scope, listing, geography, duplicates and the side paths, on the real binary.
@Suite("Supervision queries and side paths (real broker and database)", .serialized)
struct SupervisionQueryTests {
    let h = SupervisionHarness()

    struct Page: Decodable {
        var items: [CaseDTO]
        var nextCursor: String?
    }

    func get(_ service: ServiceProcess, _ path: String, token: String) async throws -> (Int, Data) {
        try await service.http("GET", path, headers: ["Authorization": "Bearer \(token)"])
    }

    @Test("district tokens see only their district; expired tokens are refused")
    func scope() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let id = UUID()
        try await h.publish(h.reported(id), subject: id)
        try await h.publish(h.located(id), subject: id)
        // Filed (a grid-routing running on the same vhost may already have dispatched it).
        try await h.waitCase(service, id, "filed") { $0.timeline.contains { $0.action == "file" } }

        let own = h.token(.supervisor, scope: AccessScope(level: .district, code: "150102"))
        let other = h.token(.supervisor, scope: AccessScope(level: .district, code: "150103"))
        let otherLeader = h.token(.shiftLeader, scope: AccessScope(level: .district, code: "150103"))
        #expect(try await h.detail(service, id, token: own).0 == 200)
        #expect(try await h.detail(service, id, token: other).0 == 404)
        #expect(try await h.post(service, id, "void", #"{"reason": "test"}"#, token: otherLeader).0 == 404)
        let number = "T\(id.uuidString.prefix(8))"
        #expect(try await get(service, "/api/v1/cases/\(number)", token: own).0 == 200)
        #expect(try await get(service, "/api/v1/cases/\(number)", token: other).0 == 404)
        let (_, otherList) = try await get(service, "/api/v1/cases?q=\(number)", token: other)
        #expect(try MessageCoding.decoder().decode(Page.self, from: otherList).items.isEmpty)
        let (_, ownList) = try await get(service, "/api/v1/cases?q=\(number)", token: own)
        #expect(try MessageCoding.decoder().decode(Page.self, from: ownList).items.map(\.id) == [id])

        let expired = h.token(.supervisor, expires: Date().addingTimeInterval(-60))
        #expect(try await h.detail(service, id, token: expired).0 == 401)
        #expect(try await get(service, "/api/v1/cases", token: "garbage").0 == 401)
        #expect(try await service.http("GET", "/api/v1/cases").0 == 401)
    }

    @Test("the list filters on state (status is its alias); an unknown query parameter answers 422 naming it")
    func stateFilterAndUnknownParameters() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let marker = "statefilter\(UInt32.random(in: 0...UInt32.max))"
        let id = UUID()
        try await h.publish(h.reported(id, description: "\(marker) 井盖"), subject: id)
        try await h.publish(h.located(id), subject: id)
        // Filed (a grid-routing on the shared vhost may dispatch it at once).
        try await h.waitCase(service, id, "filed") { $0.timeline.contains { $0.action == "file" } }
        let token = h.token(.auditor)
        func ids(_ query: String) async throws -> [UUID] {
            let (status, data) = try await get(service, "/api/v1/cases?q=\(marker)&\(query)", token: token)
            #expect(status == 200, "\(query): \(String(decoding: data, as: UTF8.self))")
            return try MessageCoding.decoder().decode(Page.self, from: data).items.map(\.id)
        }
        #expect(try await ids("state=awaiting_dispatch,in_handling") == [id])
        #expect(try await ids("status=awaiting_dispatch,in_handling") == [id])
        #expect(try await ids("state=closed").isEmpty)
        #expect(try await ids("status=closed").isEmpty)

        struct ErrorBody: Decodable {
            struct Inner: Decodable { var code: String; var details: [APIError.FieldProblem] }
            var error: Inner
        }
        func problems(_ query: String) async throws -> (Int, [String]) {
            let (status, data) = try await get(service, "/api/v1/cases?\(query)", token: token)
            let body = try JSONDecoder().decode(ErrorBody.self, from: data)
            #expect(body.error.code == "validation_failed")
            return (status, body.error.details.map(\.field))
        }
        #expect(try await problems("stat=in_handling") == (422, ["stat"]))
        #expect(try await problems("state=in_handling&limt=5&distrct=150102") == (422, ["distrct", "limt"]))
        #expect(try await problems("state=nonsense") == (422, ["state"]))
        #expect(try await problems("status=nonsense") == (422, ["status"]))
        #expect(try await problems("state=in_handling&status=closed") == (422, ["status"]))
    }

    @Test("export: the cases of a window and filter as CSV and GeoJSON, streamed in batches, masked, within the token's scope")
    func export() async throws {
        // Batches of two, so three cases take two round trips and the stream's paging is used.
        let service = try await h.start(["CITYGRID_SUPERVISION_EXPORT_BATCH": "2"])
        defer { service.terminate() }
        // A window of our own in the past: other tests' cases are reported now.
        let start = RFC3339.parse("2026-02-02T00:00:00Z")!.addingTimeInterval(Double(UInt32.random(in: 0...20_000_000)))
        var ids: [UUID] = []
        for index in 0..<3 {
            let id = UUID()
            ids.append(id)
            try await h.publish(h.reported(id, description: "我叫王小明，电话 13912345678，第\(index)处井盖", at: start.addingTimeInterval(Double(index) * 60)),
                                subject: id)
            try await h.publish(h.located(id), subject: id)
        }
        for id in ids { try await h.waitCase(service, id, "located") { $0.case.gridCode != nil } }
        let window = "from=\(RFC3339.format(start.addingTimeInterval(-1)))&to=\(RFC3339.format(start.addingTimeInterval(600)))"
            .replacingOccurrences(of: "+", with: "%2B")
        let auditor = h.token(.auditor)

        let (status, csvData) = try await get(service, "/api/v1/cases/export?format=csv&\(window)", token: auditor)
        #expect(status == 200, "\(String(decoding: csvData, as: UTF8.self))")
        let csv = String(decoding: csvData, as: UTF8.self)
        let lines = csv.split(separator: "\r\n").map(String.init)
        #expect(lines.first?.hasPrefix("\u{FEFF}number,id,channel,kind,class_code") == true)
        #expect(lines.count == 4, "the header and three cases: \(lines)")
        #expect(lines.dropFirst().map { String($0.prefix(9)) } == ids.reversed().map { "T\($0.uuidString.prefix(8))" }, "newest first")
        #expect(csv.contains("我叫王**，电话 139****5678，第2处井盖") && !csv.contains("13912345678") && !csv.contains("sup-7"))

        let (geoStatus, geoData) = try await get(service, "/api/v1/cases/export?format=geojson&\(window)&class=0101&state=awaiting_file,awaiting_dispatch,in_handling,awaiting_verify", token: auditor)
        #expect(geoStatus == 200)
        let collection = try #require(try JSONSerialization.jsonObject(with: geoData) as? [String: Any])
        let features = try #require(collection["features"] as? [[String: Any]])
        #expect(features.count == 3)
        let first = try #require(features.first)
        #expect((first["geometry"] as? [String: Any])?["coordinates"] as? [Double] == [SupervisionHarness.point.lon, SupervisionHarness.point.lat])
        #expect((first["properties"] as? [String: Any])?["grid_code"] as? String == SupervisionHarness.grid.grid)

        // A filter that matches none gives the header alone; another district sees none of them.
        let (_, none) = try await get(service, "/api/v1/cases/export?format=csv&\(window)&channel=app", token: auditor)
        #expect(String(decoding: none, as: UTF8.self).split(separator: "\r\n").count == 1)
        let elsewhere = h.token(.auditor, scope: AccessScope(level: .district, code: "150103"))
        let (_, hidden) = try await get(service, "/api/v1/cases/export?format=geojson&\(window)", token: elsewhere)
        #expect(((try JSONSerialization.jsonObject(with: hidden) as? [String: Any])?["features"] as? [Any])?.isEmpty == true)

        // Who may, and what must be said.
        #expect(try await get(service, "/api/v1/cases/export?format=csv&\(window)", token: h.token(.supervisor)).0 == 403)
        #expect(try await get(service, "/api/v1/cases/export?format=csv&\(window)", token: h.token(.department, scope: AccessScope(level: .department, code: "SZGY"))).0 == 403)
        let (missing, missingBody) = try await get(service, "/api/v1/cases/export", token: auditor)
        #expect(missing == 422)
        let problem = String(decoding: missingBody, as: UTF8.self)
        #expect(problem.contains("format") && problem.contains("from") && problem.contains("to"), "\(problem)")
        #expect(try await get(service, "/api/v1/cases/export?format=xlsx&\(window)", token: auditor).0 == 422)
        let tooLong = "from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z"
        #expect(try await get(service, "/api/v1/cases/export?format=csv&\(tooLong)", token: auditor).0 == 422)
        #expect(try await get(service, "/api/v1/cases/export?format=csv&\(window)&colour=red", token: auditor).0 == 422)
    }

    @Test("list pagination is stable; near, within and counts find the cases")
    func listNearWithinCounts() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let marker = "marker\(UInt32.random(in: 0...UInt32.max))"
        // A random spot inside the demo city so earlier runs do not crowd the search.
        let lon = 111.60 + Double.random(in: 0...0.1)
        let lat = 40.80 + Double.random(in: 0...0.05)
        var ids: [UUID] = []
        for i in 0..<3 {
            let id = UUID()
            ids.append(id)
            try await h.publish(h.reported(id, description: "\(marker) 井盖\(i)", at: Date().addingTimeInterval(Double(i)),
                                           lon: lon + Double(i) * 0.0001, lat: lat), subject: id)
            try await h.publish(h.located(id, lon: lon + Double(i) * 0.0001, lat: lat), subject: id)
        }
        // Filed (a grid-routing on the shared vhost may dispatch them at once).
        for id in ids { try await h.waitCase(service, id, "filed") { $0.timeline.contains { $0.action == "file" } } }
        let token = h.token(.auditor)

        let (s1, d1) = try await get(service, "/api/v1/cases?q=\(marker)&limit=2", token: token)
        #expect(s1 == 200)
        let first = try MessageCoding.decoder().decode(Page.self, from: d1)
        #expect(first.items.map(\.id) == [ids[2], ids[1]])
        let cursor = try #require(first.nextCursor)
        let (_, d2) = try await get(service, "/api/v1/cases?q=\(marker)&limit=2&cursor=\(cursor)", token: token)
        let second = try MessageCoding.decoder().decode(Page.self, from: d2)
        #expect(second.items.map(\.id) == [ids[0]])
        #expect(second.nextCursor == nil)
        #expect(try await get(service, "/api/v1/cases?limit=0", token: token).0 == 422)
        #expect(try await get(service, "/api/v1/cases?status=nonsense", token: token).0 == 422)
        let (_, filtered) = try await get(service, "/api/v1/cases?q=\(marker)&status=awaiting_dispatch,in_handling&district=150102&class=0101", token: token)
        #expect(try MessageCoding.decoder().decode(Page.self, from: filtered).items.count == 3)

        struct Near: Decodable { var distanceMeters: Double; var `case`: CaseDTO }
        let (ns, nd) = try await get(service, "/api/v1/cases/near?lon=\(lon)&lat=\(lat)&radius=12", token: token)
        #expect(ns == 200)
        let near = try MessageCoding.decoder().decode([Near].self, from: nd)
        // 0.0001° of longitude here is about 8.4 m: the first two are within 12 m, the third is not.
        #expect(Set(near.map(\.case.id)).isSuperset(of: [ids[0], ids[1]]))
        #expect(!near.map(\.case.id).contains(ids[2]))
        #expect(try await get(service, "/api/v1/cases/near?lat=40", token: token).0 == 422)

        let polygon = "[[\(lon - 0.00005), \(lat - 0.0001)], [\(lon + 0.00015), \(lat - 0.0001)], [\(lon + 0.00015), \(lat + 0.0001)], [\(lon - 0.00005), \(lat + 0.0001)]]"
        let (ws, wd) = try await service.http("POST", "/api/v1/cases/within", body: Data(#"{"polygon": \#(polygon)}"#.utf8),
                                              headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"])
        #expect(ws == 200)
        let inside = Set(try MessageCoding.decoder().decode([CaseDTO].self, from: wd).map(\.id))
        #expect(inside.isSuperset(of: [ids[0], ids[1]]))
        #expect(!inside.contains(ids[2]))

        struct Counts: Decodable { struct Row: Decodable { var key: String?; var count: Int }; var by: String; var counts: [Row] }
        let (cs, cd) = try await get(service, "/api/v1/cases/counts?by=status", token: token)
        #expect(cs == 200)
        let counts = try MessageCoding.decoder().decode(Counts.self, from: cd)
        #expect(counts.counts.reduce(0) { $0 + $1.count } >= 3)
        #expect(counts.counts.contains { $0.key == "awaiting_dispatch" || $0.key == "in_handling" })
        let (districtStatus, districtData) = try await get(service, "/api/v1/cases/counts?by=district",
                                                           token: h.token(.auditor, scope: AccessScope(level: .district, code: "150102")))
        #expect(districtStatus == 200)
        #expect(try MessageCoding.decoder().decode(Counts.self, from: districtData).counts.allSatisfy { $0.key == "150102" })
        #expect(try await get(service, "/api/v1/cases/counts?by=colour", token: token).0 == 422)
        #expect(try await get(service, "/openapi.yaml", token: token).0 == 200)
    }

    @Test("a linked duplicate is counted on the original's timeline; self-handled and handled-at-intake reports close")
    func duplicatesAndSidePaths() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let original = UUID()
        try await h.publish(h.reported(original), subject: original)
        try await h.publish(h.located(original), subject: original)
        try await h.waitCase(service, original, "filed") { $0.timeline.contains { $0.action == "file" } }
        let link = DuplicateLinked(reportId: UUID(), duplicateOf: original, duplicateOfNumber: "T\(original.uuidString.prefix(8))",
                                   channel: .app, kind: .component, classCode: "0101", distanceMeters: 12.5, reportedAt: Date())
        try await h.publish(link, subject: original)
        let linked = try await h.waitCase(service, original, "duplicate counted") { $0.case.duplicateCount == 1 }
        let annotation = try #require(linked.timeline.last)
        #expect(annotation.kind == "annotation")
        #expect(annotation.action == "duplicate_linked")
        #expect(annotation.details["report_id"] == link.reportId.uuidString.lowercased())
        #expect(linked.case.state == "awaiting_dispatch" || linked.case.state == "in_handling")

        let selfHandled = UUID()
        // The purposes are declared, not read from the order: the after photo comes first here.
        let evidence = [Photo(url: "https://img.example/after.jpg", purpose: .after), Photo(url: "https://img.example/before.jpg", purpose: .before)]
        try await h.publish(h.reported(selfHandled, selfHandled: true, photos: evidence), subject: selfHandled)
        try await h.waitCase(service, selfHandled, "self_handled_pending") { $0.case.state == "self_handled_pending" }
        #expect(try await h.post(service, selfHandled, "approve-self-handled", token: h.token(.supervisor)).0 == 403)
        #expect(try await h.post(service, selfHandled, "approve-self-handled", token: h.token(.shiftLeader)).0 == 200)
        let closed = try await h.waitCase(service, selfHandled, "closed") { $0.case.state == "closed" }
        #expect(closed.timeline.map(\.action) == ["report_self_handled", "approve_self_handled"])
        #expect(closed.timeline[0].details["before_photos"] == "https://img.example/before.jpg")
        #expect(closed.timeline[0].details["after_photos"] == "https://img.example/after.jpg")
        #expect(closed.case.photos == evidence)

        let atIntake = UUID()
        try await h.publish(h.reported(atIntake, channel: .hotline12345, handledAtIntake: true), subject: atIntake)
        let handled = try await h.waitCase(service, atIntake, "closed") { $0.case.state == "closed" }
        #expect(handled.timeline.map(\.action) == ["report", "handle_at_intake"])

        // A completion for a voided case is acknowledged and changes nothing.
        let voided = UUID()
        let (dispatchId, dept) = try await h.toHandling(service, voided, dispatchId: UUID())
        #expect(try await h.post(service, voided, "void", #"{"reason": "重复", "duplicateOf": "\#(original.uuidString)"}"#,
                                 token: h.token(.shiftLeader)).0 == 200)
        try await h.publish(h.update(voided, dispatchId: dispatchId, .completed, department: dept), subject: voided)
        try await Task.sleep(for: .seconds(1.5))
        let (_, after) = try await h.detail(service, voided, token: h.token(.auditor))
        #expect(after?.case.state == "voided")
        #expect(after?.timeline.last?.action == "void")
        #expect(try await h.post(service, voided, "close", token: h.token(.shiftLeader)).1.contains("case_ended"))
    }
}

extension SupervisionQueryTests {
    @Test("out-of-order and repeated facts: located before reported is parked then applied; a repeated dispatch is a no-op")
    func outOfOrderAndRepeats() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let id = UUID()
        try await h.publish(h.located(id), subject: id)
        try await Task.sleep(for: .milliseconds(500))
        try await h.publish(h.reported(id), subject: id)
        let filed = try await h.waitCase(service, id, "filed after parking") { $0.timeline.contains { $0.action == "file" } }
        #expect(Array(filed.timeline.map(\.action).prefix(4)) == ["report", "locate", "accept", "file"])
        #expect(filed.case.gridCode == SupervisionHarness.grid.grid)

        let dispatchId = UUID()
        let dispatch = h.dispatched(id, dispatchId: dispatchId)
        try await h.publish(dispatch, subject: id)
        try await h.publish(dispatch, subject: id) // same fact, new message id
        try await h.waitCase(service, id, "in_handling") { $0.case.state == "in_handling" }
        try await Task.sleep(for: .seconds(1))
        let (_, after) = try await h.detail(service, id, token: h.token(.auditor))
        #expect(after?.timeline.filter { $0.action == "dispatch" }.count == 1)
    }
}

/// A text search reads the newest cases first, then older ones from the n-gram index or in order
/// (QueryRoutes `list`). On a test database every new case is among the newest 4,000, so these
/// tests shrink the window to reach the other two paths and expect the same rows and pages.
@Suite("Supervision text search beyond the newest cases (real database)", .serialized)
struct SupervisionSearchPathTests {
    let h = SupervisionHarness()

    func search(window: String, indexLimit: String) async throws {
        let service = try await h.start(["CITYGRID_SUPERVISION_SEARCH_WINDOW": window, "CITYGRID_SUPERVISION_SEARCH_INDEX_LIMIT": indexLimit])
        defer { service.terminate() }
        let marker = "gram\(UInt32.random(in: 0...UInt32.max))"
        var ids: [UUID] = []
        for i in 0..<3 {
            let id = UUID()
            ids.append(id)
            try await h.publish(h.reported(id, description: "井盖 \(marker) \(i)", at: Date().addingTimeInterval(Double(i))), subject: id)
            try await h.publish(h.located(id), subject: id)
        }
        for id in ids { try await h.waitCase(service, id, "filed") { $0.timeline.contains { $0.action == "file" } } }
        // Newer cases without the marker push ours out of a one-case window.
        for _ in 0..<2 {
            let id = UUID()
            try await h.publish(h.reported(id, description: "其他问题", at: Date().addingTimeInterval(10)), subject: id)
            try await h.publish(h.located(id), subject: id)
            try await h.waitCase(service, id, "filed") { $0.timeline.contains { $0.action == "file" } }
        }
        let token = h.token(.auditor)
        let (s1, d1) = try await service.http("GET", "/api/v1/cases?q=\(marker)&limit=2", headers: ["Authorization": "Bearer \(token)"])
        #expect(s1 == 200)
        let first = try MessageCoding.decoder().decode(SupervisionQueryTests.Page.self, from: d1)
        #expect(first.items.map(\.id) == [ids[2], ids[1]])
        let cursor = try #require(first.nextCursor)
        let (_, d2) = try await service.http("GET", "/api/v1/cases?q=\(marker)&limit=2&cursor=\(cursor)", headers: ["Authorization": "Bearer \(token)"])
        let second = try MessageCoding.decoder().decode(SupervisionQueryTests.Page.self, from: d2)
        #expect(second.items.map(\.id) == [ids[0]])
        #expect(second.nextCursor == nil)
        // A case number is found the same way.
        let (_, d3) = try await service.http("GET", "/api/v1/cases?q=T\(ids[0].uuidString.prefix(8))", headers: ["Authorization": "Bearer \(token)"])
        #expect(try MessageCoding.decoder().decode(SupervisionQueryTests.Page.self, from: d3).items.map(\.id) == [ids[0]])
    }

    /// One page of `GET /api/v1/cases?<query>` as an auditor: its case ids and next cursor (a 200 expected).
    func page(_ service: ServiceProcess, _ query: String) async throws -> (ids: [UUID], next: String?) {
        let (status, data) = try await service.http("GET", "/api/v1/cases?\(query)", headers: ["Authorization": "Bearer \(h.token(.auditor))"])
        #expect(status == 200, "\(query)")
        let page = try MessageCoding.decoder().decode(SupervisionQueryTests.Page.self, from: data)
        return (page.items.map(\.id), page.nextCursor)
    }

    @Test("the beginning of a case number is read off the number index: numbers only, newest first, in pages")
    func numberPrefix() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let day = String(Int.random(in: 10_000_000...99_999_999))
        let numbers = ["\(day)-0001", "\(day)-0002", "\(day)-0012", "\(day)-00020"]
        var ids: [UUID] = []
        for (i, number) in numbers.enumerated() {
            let id = UUID()
            ids.append(id)
            try await h.publish(h.reported(id, description: "井盖 \(i)", at: Date().addingTimeInterval(Double(i)), number: number), subject: id)
            try await h.publish(h.located(id, number: number), subject: id)
        }
        // A description quoting a number is free text: the number search does not find it.
        let quoting = UUID()
        try await h.publish(h.reported(quoting, description: "同 \(day)-0001", at: Date().addingTimeInterval(10)), subject: quoting)
        try await h.publish(h.located(quoting), subject: quoting)
        for id in ids + [quoting] { try await h.waitCase(service, id, "filed") { $0.timeline.contains { $0.action == "file" } } }
        func found(_ query: String) async throws -> (ids: [UUID], next: String?) { try await page(service, query) }
        #expect(try await found("q=\(day)-0001").ids == [ids[0]])
        #expect(try await found("q=\(day)-0002").ids == [ids[3], ids[1]])
        let first = try await found("q=\(day)-&limit=2")
        #expect(first.ids == [ids[3], ids[2]])
        let second = try await found("q=\(day)-&limit=2&cursor=\(try #require(first.next))")
        #expect(second.ids == [ids[1], ids[0]])
        #expect(second.next == nil)
        // Eight digits without the dash stay free text, and find the quoting description too.
        #expect(Set(try await found("q=\(day)").ids) == Set(ids + [quoting]))
    }

    @Test("a text the window finds often is read on for a bounded stretch in order, same rows and pages")
    func throughTheStretch() async throws {
        // A two-case window holds one match: the page's other match and the next page's first
        // come from the stretch of older cases read in order after it.
        let service = try await h.start(["CITYGRID_SUPERVISION_SEARCH_WINDOW": "2", "CITYGRID_SUPERVISION_SEARCH_INDEX_LIMIT": "1"])
        defer { service.terminate() }
        let marker = "stretch\(UInt32.random(in: 0...UInt32.max))"
        let base = Date().addingTimeInterval(20)
        var matching: [UUID] = []
        for (i, text) in ["井盖 \(marker) 0", "井盖 \(marker) 1", "其他问题", "井盖 \(marker) 2", "其他问题"].enumerated() {
            let id = UUID()
            if text.contains(marker) { matching.append(id) }
            try await h.publish(h.reported(id, description: text, at: base.addingTimeInterval(Double(i))), subject: id)
            try await h.publish(h.located(id), subject: id)
            try await h.waitCase(service, id, "filed") { $0.timeline.contains { $0.action == "file" } }
        }
        let token = h.token(.auditor)
        let (s1, d1) = try await service.http("GET", "/api/v1/cases?q=\(marker)&limit=2", headers: ["Authorization": "Bearer \(token)"])
        #expect(s1 == 200)
        let first = try MessageCoding.decoder().decode(SupervisionQueryTests.Page.self, from: d1)
        #expect(first.items.map(\.id) == [matching[2], matching[1]])
        let cursor = try #require(first.nextCursor)
        let (_, d2) = try await service.http("GET", "/api/v1/cases?q=\(marker)&limit=2&cursor=\(cursor)", headers: ["Authorization": "Bearer \(token)"])
        let second = try MessageCoding.decoder().decode(SupervisionQueryTests.Page.self, from: d2)
        #expect(second.items.map(\.id) == [matching[0]])
        #expect(second.nextCursor == nil)
        // Upper-case letters in the text still match the lower-case marker (ILIKE).
        let (_, d3) = try await service.http("GET", "/api/v1/cases?q=\(marker.uppercased())&limit=5", headers: ["Authorization": "Bearer \(token)"])
        #expect(try MessageCoding.decoder().decode(SupervisionQueryTests.Page.self, from: d3).items.map(\.id) == matching.reversed())
    }

    @Test("a class list reads its page's ids off the time-order index first: newest first, stable pages")
    func classPages() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        // An hour ahead, so only these cases fall in the window.
        let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3600).rounded(.down))
        var ids: [UUID] = []
        for i in 0..<3 {
            let id = UUID()
            ids.append(id)
            try await h.publish(h.reported(id, at: base.addingTimeInterval(Double(i))), subject: id)
            try await h.publish(h.located(id), subject: id)
        }
        for id in ids { try await h.waitCase(service, id, "filed") { $0.timeline.contains { $0.action == "file" } } }
        let window = "from=\(RFC3339.format(base))&to=\(RFC3339.format(base.addingTimeInterval(10)))"
        func found(_ query: String) async throws -> (ids: [UUID], next: String?) { try await page(service, "\(window)&\(query)") }
        let first = try await found("class=0101&limit=2")
        #expect(first.ids == [ids[2], ids[1]])
        let second = try await found("class=0101&limit=2&cursor=\(try #require(first.next))")
        #expect(second.ids == [ids[0]])
        #expect(second.next == nil)
        #expect(try await found("class=01").ids == ids.reversed())
        #expect(try await found("class=02").ids.isEmpty)
    }

    @Test("older matches come from the n-gram index, newest first, with stable pages")
    func throughTheIndex() async throws { try await search(window: "1", indexLimit: "2000") }

    @Test("too many older candidates for the index: read on in time order, same rows")
    func inOrder() async throws { try await search(window: "1", indexLimit: "1") }
}
