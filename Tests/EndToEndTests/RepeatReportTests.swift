import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

/// Duplicates and repeats for text reports (issue 14, point 6) through all five services as
/// separate processes, on their own scratch database and vhost (`scripts/infra scratch repeats`):
/// two address-only 12345 tickets of the same place and class become one case once geocoded, and
/// the second ticket's hotline hears 并案 with the case it joined; a repeat found after its case
/// was dispatched is only annotated; and the same caller calling again after the first case was
/// closed is a repeat complaint (重复投诉) that assessment counts for the department.
@Suite("End to end: duplicates and repeat calls after geocoding", .serialized)
final class RepeatReportTests {
    /// Tuesday 8 December 2026, 09:00 Beijing time: a working day with no holiday nearby.
    static let cityStart = RFC3339.parse("2026-12-08T09:00:00+08:00")!
    static let environment = ["CITYGRID_DUPLICATE_RADIUS_M": "50", "CITYGRID_CALLER_HASH_SECRET": "repeats-test-caller-secret"]
    /// LR0001: geocoded to grid 150104001005003, handled by STREET-150104001.
    static let address = "大南街29号东侧人行道"
    /// A spot in grid 150105002005003, handled by STREET-150105002 (as in ReturnVisitTests).
    static var spot: [String: Any] { ["longitude": 111.6983394, "latitude": 40.8169077, "address": "赛罕区大学东街"] }
    static let street = "STREET-150105002"

    var city: InjectedCity?
    deinit { city?.stop() }

    func token(_ role: Role, sub: String) -> String { city!.token(role, sub: sub) }
    var agent: String { token(.acceptor, sub: "hotline-agent") }
    var supervisor: String { token(.supervisor, sub: "sup-repeats") }
    var shiftLeader: String { token(.shiftLeader, sub: "leader-repeats") }
    var auditor: String { token(.auditor, sub: "auditor-repeats") }

    @discardableResult
    func post(_ service: String, _ path: String, _ body: [String: Any] = [:], token: String, expect: Int = 200,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let city = try #require(self.city)
        let answer = try await city.request("POST", service, path, body: body, token: token)
        #expect(answer.status == expect, "POST \(path): \(answer.text)", sourceLocation: sourceLocation)
        return answer.json
    }

    func get(_ service: String, _ path: String) async throws -> (Int, [String: Any]) {
        let city = try #require(self.city)
        let answer = try await city.request("GET", service, path, token: auditor)
        return (answer.status, answer.json)
    }

    struct Detail {
        var fields: [String: Any]
        var timeline: [[String: Any]]
        var state: String { fields["state"] as? String ?? "?" }
        var actions: [String] { timeline.map { $0["action"] as? String ?? "?" } }
        func last(_ action: String) -> [String: Any]? { timeline.last { $0["action"] as? String == action } }
        func details(_ action: String) -> [String: String] { last(action)?["details"] as? [String: String] ?? [:] }
    }

    func detail(_ caseId: String) async throws -> Detail? {
        let (status, body) = try await get("supervision", "/api/v1/cases/\(caseId)")
        guard status == 200, let fields = body["case"] as? [String: Any] else { return nil }
        return Detail(fields: fields, timeline: body["timeline"] as? [[String: Any]] ?? [])
    }

    @discardableResult
    func waitFor(_ caseId: String, _ what: String, _ condition: (Detail) -> Bool) async throws -> Detail {
        var last: Detail?
        do {
            try await eventually(timeout: .seconds(40), "case \(caseId): \(what)") {
                last = try await detail(caseId)
                return last.map(condition) ?? false
            }
        } catch {
            throw TestSetupError("\(error); last seen: \(last?.state ?? "nothing") \(last?.actions ?? [])")
        }
        return last!
    }

    /// A 12345 ticket over the hotline's HTTP door; its case id and number.
    func ticket(_ reference: String, location: [String: Any], classCode: String, contact: String, text: String) async throws -> (String, String) {
        let created = try await post("intake", "/api/v1/reports", [
            "channel": "hotline_12345", "channelReference": reference, "kind": "event", "classCode": classCode,
            "location": location, "description": text, "reporterContact": contact,
        ], token: agent, expect: 201)
        return (try #require(created["caseId"] as? String), try #require(created["caseNumber"] as? String))
    }

    /// One row of intake's reports, read as the database administrator (what no API shows).
    func intakeRow(_ caseId: String, _ columns: String) async throws -> [String: String?] {
        let pool = try #require(city).scratch.adminPool()
        defer { Task { await pool.closeAll() } }
        let names = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try await pool.withConnection { c in
            guard let row = try c.query("SELECT \(columns) FROM intake.reports WHERE case_id = $1", [caseId]).first else { return [:] }
            return Dictionary(uniqueKeysWithValues: names.map { ($0, row.optionalString($0)) })
        }
    }

    /// Intake has stored where grid-routing located the case (only then is it a candidate for later reports).
    func locatedAtIntake(_ caseId: String) async throws {
        try await eventually("intake knows where \(caseId) was located") {
            try await self.intakeRow(caseId, "located_at")["located_at"] ?? nil != nil
        }
    }

    @Test("two address-only tickets of the same place and class become one case: the second is linked once geocoded, and its hotline hears 并案")
    func addressOnlyDuplicates() async throws {
        city = try await InjectedCity.start("repeats", at: Self.cityStart, extraEnvironment: Self.environment)
        let hotline = try await HotlinePlatform.start(try #require(city).scratch)
        defer { hotline.stop() }

        let first = "RX-A-\(UUID().uuidString.prefix(6))", second = "RX-B-\(UUID().uuidString.prefix(6))"
        let (firstId, firstNumber) = try await ticket(first, location: ["address": Self.address], classCode: "0103",
                                                      contact: "13900001111", text: "市民来电：人行道上堆了好多渣土")
        try await waitFor(firstId, "located, awaiting verification") { $0.state == "awaiting_verify" }
        try await locatedAtIntake(firstId)

        // The second ticket has no coordinates either: at submission it is a case of its own.
        let created = try await post("intake", "/api/v1/reports", [
            "channel": "hotline_12345", "channelReference": second, "kind": "event", "classCode": "0103",
            "location": ["address": Self.address], "description": "喂，大南街29号那儿渣土一直没人管", "reporterContact": "139 0000 2222",
        ], token: agent, expect: 201)
        #expect(created["status"] as? String == "open" && created["duplicateOf"] == nil)
        let secondId = try #require(created["caseId"] as? String), secondNumber = try #require(created["caseNumber"] as? String)

        // Once geocoded, supervision ends it as the first one's duplicate (by the system, not a person).
        let linked = try await waitFor(secondId, "linked after geocoding") { $0.state == "voided" && $0.actions.last == "link_duplicate" }
        let entry = try #require(linked.last("link_duplicate"))
        #expect(entry["actorId"] as? String == "intake" && entry["actorRole"] as? String == "system")
        #expect(linked.details("link_duplicate")["duplicate_of"] == firstId.lowercased())
        #expect(linked.details("link_duplicate")["duplicate_of_number"] == firstNumber)
        #expect(linked.details("link_duplicate")["repeat_basis"] == "same_place")
        #expect((entry["reason"] as? String)?.contains(firstNumber) == true)
        #expect((linked.fields["duplicateOf"] as? String)?.lowercased() == firstId.lowercased())
        // The first case counts the repeat and goes on.
        let original = try await waitFor(firstId, "the repeat counted") { ($0.fields["duplicateCount"] as? Int) == 1 }
        #expect(original.state == "awaiting_verify")
        #expect(original.details("duplicate_linked")["report_id"] == secondId.lowercased())

        // Intake: the second report is linked; Open311's view and the reporter's lookup follow.
        try await eventually("intake links the second report") {
            let (status, report) = try await self.get("intake", "/api/v1/reports/\(secondId)")
            return status == 200 && report["status"] as? String == "linked"
                && (report["duplicateOf"] as? String)?.lowercased() == firstId.lowercased()
        }
        let (_, report) = try await get("intake", "/api/v1/reports/\(secondId)")
        #expect(report.keys.allSatisfy { !$0.lowercased().contains("caller") && !$0.lowercased().contains("hash") })
        let intake = try #require(city?.services["intake"])
        let lookup = try await intake.http(
            "POST", "/api/v1/status-lookup", body: try JSONSerialization.data(withJSONObject: ["caseNumber": secondNumber, "phoneLast4": "2222"]),
            headers: ["Content-Type": "application/json"])
        let answer = (try? JSONSerialization.jsonObject(with: lookup.1)) as? [String: Any] ?? [:]
        #expect(lookup.0 == 200, "\(String(decoding: lookup.1, as: UTF8.self))")
        #expect((answer["statusNote"] as? String)?.contains(firstNumber) == true, "\(answer)")
        #expect(answer["status"] as? String == "open")

        // The second ticket's hotline hears where it went, under its own reference, then the first case's steps.
        let notice = try await hotline.waitFor("并案 for the second ticket") { $0.channelReference == second && $0.kind == .linked }
        #expect(notice.caseNumber == secondNumber && notice.linkedCaseNumber == firstNumber && notice.state == nil)
        #expect(notice.reason?.contains(firstNumber) == true)
        try await post("supervision", "/api/v1/cases/\(firstId)/verification", ["result": "confirmed"], token: supervisor)
        let dispatched = try await hotline.waitFor("the first case's dispatch, heard by the second ticket") {
            $0.channelReference == second && $0.kind == .dispatched
        }
        #expect(dispatched.linkedCaseNumber == firstNumber && dispatched.caseNumber == secondNumber && dispatched.department != nil)
        let heard = try hotline.notices().map(\.notice).filter { $0.channelReference == second }
        #expect(heard.map(\.kind).prefix(2) == [.signedFor, .linked], "\(heard.map(\.kind))")
        #expect(heard.map(\.sequence) == heard.map(\.sequence).sorted() && Set(heard.map(\.sequence)).count == heard.count,
                "increasing sequences: \(heard.map(\.sequence))")
        #expect(!heard.contains { $0.kind == .voided }, "the hotline never hears a bare 作废")
        // The first ticket hears its own case as before, never 并案.
        let firstHeard = try await hotline.waitFor("the first ticket's dispatch") { $0.channelReference == first && $0.kind == .dispatched }
        #expect(firstHeard.linkedCaseNumber == nil)
    }

    @Test("a repeat found only after the later case was dispatched leaves it in handling, annotated as a repeat")
    func dispatchedIsOnlyAnnotated() async throws {
        city = try await InjectedCity.start("repeats", at: Self.cityStart, extraEnvironment: Self.environment)
        let (firstId, firstNumber) = try await ticket("RX-C-\(UUID().uuidString.prefix(6))", location: ["address": Self.address],
                                                      classCode: "0102", contact: "13900003333", text: "人行道上有垃圾")
        try await waitFor(firstId, "located") { $0.state == "awaiting_verify" }
        try await locatedAtIntake(firstId)

        // Geocoding waits (grid-routing is down) while the second ticket is taken; then intake waits
        // while the second case is geocoded, verified, filed and dispatched.
        let city = try #require(self.city)
        try await city.halt("grid-routing")
        let (laterId, _) = try await ticket("RX-D-\(UUID().uuidString.prefix(6))", location: ["address": Self.address], classCode: "0102",
                                            contact: "13900004444", text: "大南街29号人行道垃圾")
        try await waitFor(laterId, "reported") { $0.state == "reported" }
        try await city.halt("intake")
        try await city.resume("grid-routing")
        try await waitFor(laterId, "located") { $0.state == "awaiting_verify" }
        try await post("supervision", "/api/v1/cases/\(laterId)/verification", ["result": "confirmed"], token: supervisor)
        try await waitFor(laterId, "dispatched") { $0.state == "in_handling" }

        // Intake comes back, reads the location it missed and finds the repeat: the case is not voided.
        try await city.resume("intake")
        let noted = try await waitFor(laterId, "annotated as a repeat") { $0.actions.contains("repeat_noted") }
        #expect(noted.state == "in_handling" && !noted.actions.contains("link_duplicate"))
        #expect(noted.details("repeat_noted")["repeat_of"] == firstId.lowercased())
        #expect(noted.details("repeat_noted")["repeat_of_number"] == firstNumber)
        #expect(noted.details("repeat_noted")["error_code"] == "illegal_transition")
        #expect(noted.fields["duplicateOf"] == nil)
        let original = try #require(try await detail(firstId))
        #expect((original.fields["duplicateCount"] as? Int ?? 0) == 0, "no repeat was linked to it")
        let (_, report) = try await get("intake", "/api/v1/reports/\(laterId)")
        #expect(report["status"] as? String == "open" && report["duplicateOf"] == nil)
        #expect(try await intakeRow(laterId, "repeat_relation")["repeat_relation"] == "duplicate")
    }

    @Test("the same caller about the same place after the case was closed: a repeat complaint, counted for the department in assessment")
    func repeatComplaintCounted() async throws {
        city = try await InjectedCity.start("repeats", at: Self.cityStart, extraEnvironment: Self.environment)
        let (firstId, firstNumber) = try await ticket("RX-E-\(UUID().uuidString.prefix(6))", location: Self.spot, classCode: "0102",
                                                      contact: "张先生 138 0000 1234", text: "市民来电：大学东街路边垃圾堆放")
        try await waitFor(firstId, "awaiting verification") { $0.state == "awaiting_verify" }
        try await post("supervision", "/api/v1/cases/\(firstId)/verification", ["result": "confirmed"], token: supervisor)
        let tap = try #require(city?.tap)
        let task = try await tap.nextEnvelope(TaskDispatched.self, subject: firstId)
        #expect(task.departmentCode == Self.street)
        let path = "/api/v1/tasks/\(task.dispatchId.uuidString.lowercased())"
        let dept = try #require(city).department(Self.street)
        try await eventually("the task in the inbox") {
            try await self.city!.request("GET", "disposal", path, token: dept).status == 200
        }
        try await post("disposal", path + "/accept", ["note": "已签收"], token: dept)
        try await post("disposal", path + "/complete", ["result": "已清运", "photos": ["https://photos.example/after.jpg"]], token: dept)
        try await waitFor(firstId, "awaiting check") { $0.state == "awaiting_check" && $0.actions.last == "request_check" }
        try await post("supervision", "/api/v1/cases/\(firstId)/check", ["passed": true, "note": "现场已清理"], token: supervisor)
        try await waitFor(firstId, "awaiting close") { $0.state == "awaiting_close" }
        try await post("supervision", "/api/v1/cases/\(firstId)/close", token: shiftLeader)
        try await waitFor(firstId, "closed") { $0.state == "closed" }
        try await eventually("intake knows the case is closed") {
            try await self.intakeRow(firstId, "status")["status"] == "closed"
        }

        // The same caller, written another way, about the same spot: a new case, marked a repeat complaint.
        let (laterId, laterNumber) = try await ticket("RX-F-\(UUID().uuidString.prefix(6))", location: Self.spot, classCode: "0102",
                                                      contact: "+86 13800001234", text: "又是大学东街，垃圾又堆起来了，上次说处理了")
        let later = try await waitFor(laterId, "marked a repeat complaint") { $0.actions.contains("repeat_complaint") }
        #expect(later.state == "awaiting_verify", "a repeat complaint is handled on its own")
        #expect(later.details("repeat_complaint")["repeat_of"] == firstId.lowercased())
        #expect(later.details("repeat_complaint")["repeat_of_number"] == firstNumber)
        #expect(later.details("repeat_complaint")["repeat_basis"] == "same_caller")
        let earlier = try await waitFor(firstId, "told of the repeat complaint") { $0.actions.contains("repeat_complaint_received") }
        #expect(earlier.state == "closed" && earlier.details("repeat_complaint_received")["report_id"] == laterId.lowercased())
        #expect((earlier.last("repeat_complaint_received")?["reason"] as? String)?.contains(laterNumber) == true)

        // Intake keeps the keyed hash only: the same for both forms of the number, never the number.
        let firstRow = try await intakeRow(firstId, "caller_hash, repeat_relation")
        let laterRow = try await intakeRow(laterId, "caller_hash, repeat_relation, repeat_basis")
        let hash = try #require(firstRow["caller_hash"] ?? nil)
        #expect(hash.count == 64 && hash.allSatisfy(\.isHexDigit) && !hash.contains("13800001234"))
        #expect(laterRow["caller_hash"] == hash && laterRow["repeat_relation"] == "repeat_complaint" && laterRow["repeat_basis"] == "same_caller")
        #expect(firstRow["repeat_relation"] ?? nil == nil)

        // Assessment, December 2026: one repeat complaint for the street office that handled the case, and for its district.
        var row: [String: Any] = [:]
        try await eventually(timeout: .seconds(30), "assessment counts the repeat complaint") {
            let (status, body) = try await self.get("assessment", "/api/v1/kpi/departments?period=2026-12")
            row = ((body["rows"] as? [[String: Any]]) ?? []).first { $0["code"] as? String == Self.street } ?? [:]
            return status == 200 && row["repeat_complaints"] as? Int == 1
        }
        #expect(row["due"] as? Int == 1 && row["handled"] as? Int == 1)
        let (_, areas) = try await get("assessment", "/api/v1/kpi/areas?period=2026-12&level=district")
        let district = ((areas["rows"] as? [[String: Any]]) ?? []).first { $0["code"] as? String == "150105" } ?? [:]
        #expect(district["repeat_complaints"] as? Int == 1)
        let assessment = try #require(city?.services["assessment"])
        let (_, csv) = try await assessment.http("GET", "/api/v1/kpi/departments?period=2026-12&format=csv",
                                                 headers: ["Authorization": "Bearer \(auditor)"])
        #expect(String(decoding: csv, as: UTF8.self).split(separator: "\r\n").first?.hasSuffix(",repeat_complaints") == true)
    }
}
