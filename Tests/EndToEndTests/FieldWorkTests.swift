import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import TestSupport
import Testing

/// Grid responsibility and the supervisor's phone through all five services as separate
/// processes, each test on its own scratch database and vhost with an injected city clock:
/// verification and check tasks go to the supervisor on duty for the grid (the demo roster), move
/// on when a shift ends or a due time passes, and the supervisors' figures in assessment follow;
/// the phone's three submissions replayed after a broker restart happen once.
///
/// Grid 150102001001001 (street 150102001): early shift 07:30–15:00 sup-001 (cover sup-003), late
/// shift 15:00–22:30 sup-002 (cover sup-004), in Shared/reference-data/roster.csv.
@Suite("End to end: field tasks and the supervisor's phone", .serialized)
final class FieldWorkTests {
    static let grid = "150102001001001"
    static var point: [String: Any] { ["longitude": 111.68019, "latitude": 40.83302] }
    static let street = "STREET-150102001"

    var city: InjectedCity?
    /// The evidence store's folder of the test that uploads (not the shared state folder).
    let evidenceFolder = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-fieldwork-evidence-\(UUID().uuidString)")
    deinit {
        city?.stop()
        try? FileManager.default.removeItem(at: evidenceFolder)
    }

    func token(_ role: Role, sub: String) -> String { city!.token(role, sub: sub) }
    func supervisor(_ id: String) -> String { token(.supervisor, sub: id) }
    var shiftLeader: String { token(.shiftLeader, sub: "leader-field") }
    var auditor: String { token(.auditor, sub: "auditor-field") }

    @discardableResult
    func send(_ method: String = "POST", _ service: String, _ path: String, _ body: [String: Any]? = nil, token: String, expect: Int = 200,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let answer = try await #require(city).request(method, service, path, body: body, token: token)
        #expect(answer.status == expect, "\(method) \(path): \(answer.text)", sourceLocation: sourceLocation)
        return answer.json
    }

    func get(_ service: String, _ path: String, token: String? = nil) async throws -> [String: Any] {
        try await send("GET", service, path, token: token ?? auditor)
    }

    struct Detail {
        var fields: [String: Any]
        var timeline: [[String: Any]]
        var state: String { fields["state"] as? String ?? "?" }
        var actions: [String] { timeline.map { $0["action"] as? String ?? "?" } }
        func rows(_ action: String) -> [[String: Any]] { timeline.filter { $0["action"] as? String == action } }
    }

    func detail(_ caseId: String) async throws -> Detail? {
        let answer = try await #require(city).request("GET", "supervision", "/api/v1/cases/\(caseId)", token: auditor)
        guard answer.status == 200, let fields = answer.json["case"] as? [String: Any] else { return nil }
        return Detail(fields: fields, timeline: answer.json["timeline"] as? [[String: Any]] ?? [])
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

    /// The open tasks a supervisor's phone shows.
    func myTasks(_ id: String) async throws -> [[String: Any]] {
        try await send("GET", "supervision", "/api/v1/field/tasks", token: supervisor(id))["tasks"] as? [[String: Any]] ?? []
    }

    func waitTask(of caseId: String, heldBy id: String) async throws -> [String: Any] {
        var found: [String: Any]?
        try await eventually(timeout: .seconds(40), "the task of \(caseId) with \(id)") {
            found = try await myTasks(id).first { ($0["caseId"] as? String)?.lowercased() == caseId.lowercased() }
            return found != nil
        }
        return found!
    }

    func report(_ text: String, channel: String = "hotline_12345") async throws -> String {
        let created = try await send("POST", "intake", "/api/v1/reports", [
            "channel": channel, "channelReference": "T-\(UUID().uuidString.prefix(8))", "kind": "event", "classCode": "0102",
            "location": Self.point, "description": text,
        ], token: token(.acceptor, sub: "hotline-agent"), expect: 201)
        return try #require(created["caseId"] as? String)
    }

    static var position: [String: Any] { ["longitude": 111.68021, "latitude": 40.83299, "accuracyMeters": 6.5] }

    func photo(_ name: String, _ purpose: String) -> [String: Any] { ["url": "https://photos.example/\(name).jpg", "purpose": purpose] }

    func taskPath(_ dispatchId: UUID) -> String { "/api/v1/tasks/\(dispatchId.uuidString.lowercased())" }

    /// The street office signs for and completes the case's task.
    func departmentCompletes(_ caseId: String) async throws {
        let task = try await #require(city?.tap).nextEnvelope(TaskDispatched.self, subject: caseId)
        #expect(task.departmentCode == Self.street)
        let dept = city!.department(Self.street)
        try await eventually("task in the inbox") {
            try await city!.request("GET", "disposal", taskPath(task.dispatchId), token: dept).status == 200
        }
        try await send("POST", "disposal", taskPath(task.dispatchId) + "/accept", ["note": "已签收"], token: dept)
        try await send("POST", "disposal", taskPath(task.dispatchId) + "/complete", ["result": "已清理"], token: dept)
    }

    /// A supervisor's figures for December 2026 in assessment, once `condition` holds.
    func figures(_ supervisorId: String, until condition: @escaping ([String: Any]) -> Bool) async throws -> [String: Any] {
        var found: [String: Any] = [:]
        try await eventually(timeout: .seconds(40), "assessment figures of \(supervisorId)") {
            let body = try await get("assessment", "/api/v1/kpi/posts?post=supervisor&period=2026-12")
            found = ((body["rows"] as? [[String: Any]]) ?? []).first { $0["actor_id"] as? String == supervisorId } ?? [:]
            return condition(found)
        }
        return found
    }

    @Test("a verification goes to the supervisor on shift; after the shift ends unanswered it is reassigned; overdue goes to the cover; the figures follow")
    func assignmentAndReassignment() async throws {
        // Wednesday 2 December 2026, 14:30: the early shift (sup-001) has half an hour left.
        city = try await InjectedCity.start("fieldwork", at: RFC3339.parse("2026-12-02T14:30:00+08:00")!)
        let assignments = try await tap(FieldTaskAssigned.routingKey)
        defer { Task { await assignments.close() } }

        // The roster says who is on duty for the grid, primaries first.
        let onDuty = try await get("supervision", "/api/v1/roster/on-duty?grid=\(Self.grid)")
        #expect(onDuty["responsible"] as? String == "sup-001")
        #expect((onDuty["onDuty"] as? [[String: Any]])?.map { $0["supervisorId"] as? String } == ["sup-001", "sup-003"])

        // A 12345 report: its verification task goes to sup-001, with the verify stage's due time.
        let first = try await report("市民来电：路口垃圾堆放（一）")
        try await waitFor(first, "awaiting verification") { $0.state == "awaiting_verify" }
        let task = try await waitTask(of: first, heldBy: "sup-001")
        #expect(task["kind"] as? String == "verification" && task["reason"] as? String == "requested" && task["shift"] as? String == "early")
        let due = try #require((task["dueAt"] as? String).flatMap(RFC3339.parse))
        let stage = try #require((try await detail(first))?.fields["clock"] as? [String: Any])
        let stageDeadline = try #require((stage["deadline"] as? String).flatMap(RFC3339.parse))
        #expect(abs(stageDeadline.timeIntervalSince(due)) < 0.002, "the first holder is due by the request's own deadline")
        let assigned = try await assignments.nextEnvelope(FieldTaskAssigned.self, subject: first)
        #expect(assigned.supervisorId == "sup-001" && assigned.sequence == 1 && assigned.reason == .requested && assigned.gridCode == Self.grid)

        // 15:00: sup-001's shift ends with the task unanswered → the late shift's primary, sup-002; the timeline says so.
        try city!.setClock(RFC3339.parse("2026-12-02T15:00:05+08:00")!)
        let moved = try await waitFor(first, "reassigned") { !$0.rows("task_reassigned").isEmpty }
        let note = try #require(moved.rows("task_reassigned").first)
        let details = note["details"] as? [String: String] ?? [:]
        #expect(details["assignee"] == "sup-002" && details["previous_assignee"] == "sup-001" && details["assignment_reason"] == "off_duty")
        #expect(details["shift"] == "late" && note["kind"] as? String == "annotation")
        let handed = try await assignments.nextEnvelope(FieldTaskAssigned.self, subject: first) { $0.sequence == 2 }
        #expect(handed.supervisorId == "sup-002" && handed.previousSupervisorId == "sup-001" && handed.reason == .offDuty)
        #expect(try await myTasks("sup-001").isEmpty)
        _ = try await waitTask(of: first, heldBy: "sup-002")

        // sup-002 verifies from the phone: confirmed, filed, dispatched; the street office completes; the check task
        // goes to sup-002 (on duty), who passes it from the phone; the shift leader closes.
        let verified = try await send("POST", "supervision", "/api/v1/field/verifications", [
            "clientId": "v-\(UUID())", "caseId": first, "result": "confirmed", "note": "现场属实", "position": Self.position,
            "photos": [photo("v1", "verification")],
        ], token: supervisor("sup-002"))
        #expect(verified["result"] as? String == "confirmed")
        let afterVerify = try await waitFor(first, "verified") { !$0.rows("verification_confirmed").isEmpty }
        let entry = try #require(afterVerify.rows("verification_confirmed").first)
        #expect(entry["actorId"] as? String == "sup-002")
        #expect((entry["details"] as? [String: String])?["verification_photos"] == "https://photos.example/v1.jpg")
        #expect((entry["details"] as? [String: String])?["gps_accuracy_m"] == "6.5")
        try await departmentCompletes(first)
        try await waitFor(first, "awaiting check") { $0.state == "awaiting_check" && !$0.rows("request_check").isEmpty }
        let check = try await waitTask(of: first, heldBy: "sup-002")
        #expect(check["kind"] as? String == "check")
        try await send("POST", "supervision", "/api/v1/field/checks", [
            "clientId": "c-\(UUID())", "caseId": first, "passed": true, "position": Self.position, "photos": [photo("c1", "check")],
        ], token: supervisor("sup-002"))
        try await waitFor(first, "awaiting close") { $0.state == "awaiting_close" }
        try await send("POST", "supervision", "/api/v1/cases/\(first)/close", token: shiftLeader)

        // A second report at 15:05 goes to sup-002; he lets its due pass → the late cover, sup-004, who refutes it.
        try city!.setClock(RFC3339.parse("2026-12-02T15:05:00+08:00")!)
        let second = try await report("市民来电：路口垃圾堆放（二）")
        try await waitFor(second, "awaiting verification") { $0.state == "awaiting_verify" }
        let secondTask = try await waitTask(of: second, heldBy: "sup-002")
        let secondDue = try #require((secondTask["dueAt"] as? String).flatMap(RFC3339.parse))
        try city!.setClock(secondDue.addingTimeInterval(30))
        let overdue = try await waitFor(second, "reassigned as overdue") { !$0.rows("task_reassigned").isEmpty }
        let overdueDetails = overdue.rows("task_reassigned").first?["details"] as? [String: String] ?? [:]
        #expect(overdueDetails["assignee"] == "sup-004" && overdueDetails["assignment_reason"] == "overdue")
        _ = try await waitTask(of: second, heldBy: "sup-004")
        try await send("POST", "supervision", "/api/v1/field/verifications", [
            "clientId": "v-\(UUID())", "caseId": second, "result": "refuted", "note": "现场无此问题", "position": Self.position, "photos": [],
        ], token: supervisor("sup-004"))
        try await waitFor(second, "voided") { $0.state == "voided" }

        // The shift leader's queue is empty; the workload of the day shows who did what on which shift.
        #expect((try await get("supervision", "/api/v1/field-tasks?queue=true")["tasks"] as? [Any])?.isEmpty == true)
        let workload = try await get("supervision", "/api/v1/roster/workload?date=2026-12-02")
        let shifts = workload["shifts"] as? [[String: Any]] ?? []
        func counts(_ shift: String, _ who: String) -> [String: Any] {
            let row = shifts.first { $0["shift"] as? String == shift }
            return ((row?["supervisors"] as? [[String: Any]]) ?? []).first { $0["supervisorId"] as? String == who }?["counts"] as? [String: Any] ?? [:]
        }
        #expect(counts("early", "sup-001")["assigned"] as? Int == 1 && counts("early", "sup-001")["handedOver"] as? Int == 1)
        #expect(counts("late", "sup-002")["assigned"] as? Int == 3 && counts("late", "sup-002")["answered"] as? Int == 2)
        #expect(counts("late", "sup-002")["handedOver"] as? Int == 1)
        #expect(counts("late", "sup-004")["answered"] as? Int == 1 && counts("late", "sup-004")["answeredOnTime"] as? Int == 1)

        // Assessment, on the real assignments: sup-001 handed the first task on before its due (not charged) but is the
        // responsible supervisor of the first case (reported at 14:30 on her shift, a verified public report → 漏报 1/1);
        // sup-002: the first verification on time, the second late, the check on time; sup-004: one verification on time.
        let s1 = try await figures("sup-001") { $0["responsible_filed"] as? Int == 1 }
        #expect(s1["missed_reports"] as? Int == 1 && s1["verifications_assigned"] as? Int == 0)
        #expect(Self.number(s1["missed_report_rate"]) == 1)
        let s2 = try await figures("sup-002") { $0["verifications_assigned"] as? Int == 2 && $0["checks_assigned"] as? Int == 1 }
        #expect(s2["verifications_on_time"] as? Int == 1 && s2["checks_on_time"] as? Int == 1)
        #expect(Self.number(s2["on_time_verify_rate"]) == 0.5 && Self.number(s2["on_time_check_rate"]) == 1)
        let s4 = try await figures("sup-004") { $0["verifications_assigned"] as? Int == 1 }
        #expect(s4["verifications_on_time"] as? Int == 1)
    }

    @Test("the roster changes through the API from a day on, recorded with who and when")
    func rosterChanges() async throws {
        city = try await InjectedCity.start("fieldroster", at: RFC3339.parse("2026-12-02T16:00:00+08:00")!)
        let g2 = "150102001001002"
        // A grid-level primary for G2 on the late shift from today: first on duty there, ahead of the street's sup-002.
        let added = try await send("POST", "supervision", "/api/v1/roster/assignments", [
            "supervisorId": "sup-099", "supervisorName": "临时", "areaCode": g2, "shift": "late", "duty": "primary",
            "validFrom": "2026-12-02", "reason": "专项整治期间加派",
        ], token: shiftLeader, expect: 201)
        let rowId = try #require((added["row"] as? [String: Any])?["id"] as? String)
        #expect(added["changedBy"] as? String == "leader-field")
        let onDuty = try await get("supervision", "/api/v1/roster/on-duty?grid=\(g2)")
        #expect(onDuty["responsible"] as? String == "sup-099")
        #expect(try await get("supervision", "/api/v1/roster/on-duty?grid=\(Self.grid)")["responsible"] as? String == "sup-002")
        // Yesterday cannot be changed.
        try await send("POST", "supervision", "/api/v1/roster/assignments", [
            "supervisorId": "sup-098", "areaCode": g2, "shift": "late", "duty": "cover", "validFrom": "2026-12-01",
        ], token: shiftLeader, expect: 422)
        // Ended from tomorrow: still on today's roster, gone from tomorrow's.
        try await send("POST", "supervision", "/api/v1/roster/assignments/\(rowId)/end", ["day": "2026-12-03"], token: shiftLeader)
        let today = try await get("supervision", "/api/v1/roster?date=2026-12-02&grid=\(g2)")
        let tomorrow = try await get("supervision", "/api/v1/roster?date=2026-12-03&grid=\(g2)")
        #expect(((today["rows"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == rowId })
        #expect(!((tomorrow["rows"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == rowId })
        let changes = (try await get("supervision", "/api/v1/roster/changes")["changes"] as? [[String: Any]]) ?? []
        #expect(changes.map { $0["kind"] as? String } == ["add", "end"])
        #expect(changes.allSatisfy { $0["changedBy"] as? String == "leader-field" && $0["changedAt"] != nil })
        #expect(changes.first?["reason"] as? String == "专项整治期间加派")
        // A report from G2 now goes to sup-099.
        let created = try await send("POST", "intake", "/api/v1/reports", [
            "channel": "hotline_12345", "channelReference": "T-\(UUID().uuidString.prefix(8))", "kind": "event", "classCode": "0102",
            "location": ["longitude": 111.68135, "latitude": 40.83300], "description": "市民来电：G2 垃圾",
        ], token: token(.acceptor, sub: "hotline-agent"), expect: 201)
        let caseId = try #require(created["caseId"] as? String)
        let located = try await waitFor(caseId, "awaiting verification") { $0.state == "awaiting_verify" }
        #expect(located.fields["gridCode"] as? String == g2)
        _ = try await waitTask(of: caseId, heldBy: "sup-099")
    }

    @Test("offline replay: the same report, verification and check sent again twice after a broker restart happen once")
    func offlineReplay() async throws {
        // Wednesday 2 December 2026, 10:00: sup-001 is on the early shift for the grid.
        city = try await InjectedCity.start("fieldreplay", at: RFC3339.parse("2026-12-02T10:00:00+08:00")!,
                                            extraEnvironment: ["CITYGRID_EVIDENCE_DIR": evidenceFolder.path])
        let phone = supervisor("sup-001")

        // A case awaiting verification and one awaiting its check, both sup-001's.
        let toVerify = try await report("市民来电：井边垃圾（核实）")
        try await waitFor(toVerify, "awaiting verification") { $0.state == "awaiting_verify" }
        let toCheck = try await report("市民来电：井边垃圾（核查）")
        try await waitFor(toCheck, "awaiting verification") { $0.state == "awaiting_verify" }
        try await send("POST", "supervision", "/api/v1/cases/\(toCheck)/verification", ["result": "confirmed"], token: phone)
        try await departmentCompletes(toCheck)
        try await waitFor(toCheck, "awaiting check") { $0.state == "awaiting_check" && !$0.rows("request_check").isEmpty }
        _ = try await waitTask(of: toCheck, heldBy: "sup-001")

        // The verification's photo went to the evidence store before the phone lost its signal.
        let photoBytes = ExifFixture.jpeg(littleEndian: false) + Array("field-replay-\(UUID())".utf8)
        let (uploadStatus, uploadData) = try await #require(city?.services["supervision"]).http(
            "POST", "/api/v1/evidence", body: MultipartBody.form([("file", "IMG_0042.JPG", "image/jpeg", photoBytes)]),
            headers: ["Authorization": "Bearer \(phone)", "Content-Type": MultipartBody.contentType])
        #expect(uploadStatus == 201, "\(String(decoding: uploadData, as: UTF8.self))")
        let upload = try #require(try JSONSerialization.jsonObject(with: uploadData) as? [String: Any])
        let uploadId = try #require(upload["id"] as? String)
        let uploadURL = try #require(upload["url"] as? String)

        // What the phone queued while offline: a report, a verification and a check, each with its own id.
        let text = "巡查发现：路边垃圾桶破损 \(UUID().uuidString.prefix(6))"
        let submissions: [(String, [String: Any])] = [
            ("/api/v1/field/reports", ["clientId": "r-\(UUID())", "kind": "event", "classCode": "0102", "description": text,
                                       "position": Self.position, "photos": [photo("r1", "report")],
                                       "capturedAt": "2026-12-02T09:40:00+08:00"]),
            ("/api/v1/field/verifications", ["clientId": "v-\(UUID())", "caseId": toVerify, "result": "confirmed", "position": Self.position,
                                             "photos": [["url": uploadURL, "purpose": "verification"]],
                                             "capturedAt": "2026-12-02T09:45:00+08:00"]),
            ("/api/v1/field/checks", ["clientId": "c-\(UUID())", "caseId": toCheck, "passed": true, "position": Self.position,
                                      "photos": [photo("c1", "check")], "capturedAt": "2026-12-02T09:50:00+08:00"]),
        ]
        // A verification naming an upload the store does not hold is refused and keeps nothing: its id stays free.
        var unstored = submissions[1].1
        unstored["photos"] = [["url": "http://127.0.0.1:1/api/v1/evidence/\(UUID().uuidString.lowercased())", "purpose": "verification"]]
        try await send("POST", "supervision", "/api/v1/field/verifications", unstored, token: phone, expect: 422)

        var first: [String] = []
        for (path, body) in submissions {
            let answer = try await #require(city).request("POST", "supervision", path, body: body, token: phone)
            #expect(answer.status == (path.hasSuffix("reports") ? 201 : 200), "\(path): \(answer.text)")
            first.append(answer.text)
        }

        // The broker goes down hard and comes back; the phone, not knowing what arrived, sends its queue again — twice.
        try await TestEnvironment().infra("amqp-restart", "kill")
        for round in 1...2 {
            for ((path, body), answered) in zip(submissions, first) {
                let (status, data) = try await #require(city?.services["supervision"]).http(
                    "POST", path, body: try JSONSerialization.data(withJSONObject: body),
                    headers: ["Authorization": "Bearer \(phone)", "Content-Type": "application/json"])
                let again = String(decoding: data, as: UTF8.self)
                #expect(status == (path.hasSuffix("reports") ? 201 : 200), "round \(round) \(path): \(again)")
                #expect(again == answered, "round \(round) \(path): the same answer")
            }
        }
        // The same id with another body is refused, and changes nothing.
        var other = submissions[1].1
        other["result"] = "refuted"
        let reused = try await send("POST", "supervision", "/api/v1/field/verifications", other, token: phone, expect: 409)
        #expect((reused["error"] as? [String: Any])?["code"] as? String == "client_id_reused")
        // A phone that lost an answer reads it back.
        let clientId = try #require(submissions[0].1["clientId"] as? String)
        let kept = try await #require(city).request("GET", "supervision", "/api/v1/field/submissions/\(clientId)", token: phone)
        #expect(kept.status == 201 && kept.text == first[0])

        // One report: one case in supervision (once the broker delivers intake's message), reported by sup-001.
        let receipt = try #require(try JSONSerialization.jsonObject(with: Data(first[0].utf8)) as? [String: Any])
        let reportedId = try #require(receipt["caseId"] as? String)
        let reported = try await waitFor(reportedId, "the phone's report in supervision") { $0.state != "reported" }
        #expect(reported.fields["channel"] as? String == "supervisor" && reported.fields["reporterId"] as? String == "sup-001")
        try await eventually("supervision lists the report once") {
            let query = "/api/v1/cases?channel=supervisor&q=\(text.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)"
            let list = try await get("supervision", query)
            return (list["items"] as? [[String: Any]])?.count == 1
        }
        // One verification and one check, each carrying the phone's position and id.
        let verified = try await waitFor(toVerify, "verified and filed") { $0.actions.contains("file") }
        #expect(verified.rows("verification_confirmed").count == 1)
        #expect((verified.rows("verification_confirmed").first?["details"] as? [String: String])?["client_id"] == submissions[1].1["clientId"] as? String)
        // The phone's verification photo is the stored upload, hashed, on the verification's own entry.
        let onVerification = verified.rows("verification_confirmed").first?["photos"] as? [[String: Any]] ?? []
        #expect(onVerification.map { $0["evidenceId"] as? String } == [uploadId])
        #expect(onVerification.first?["sha256"] as? String == upload["sha256"] as? String && onVerification.first?["purpose"] as? String == "verification")
        let checked = try await waitFor(toCheck, "checked") { $0.state == "awaiting_close" }
        #expect(checked.rows("check_passed").count == 1)
        #expect((checked.rows("check_passed").first?["details"] as? [String: String])?["gps_position"] == "111.68021 40.83299")
        let onCheck = checked.rows("check_passed").first?["photos"] as? [[String: Any]] ?? []
        #expect(onCheck.map { $0["url"] as? String } == ["https://photos.example/c1.jpg"] && onCheck.first?["purpose"] as? String == "check",
                "an external photo URL is kept on the check's entry as it came")
        // And assessment, downstream of the restarted broker, saw each once: one check done by sup-001.
        let figures = try await figures("sup-001") { ($0["checks"] as? Int ?? 0) >= 1 && ($0["verifications"] as? Int ?? 0) >= 2 }
        #expect(figures["checks"] as? Int == 1)
        #expect(figures["verifications"] as? Int == 2, "the staff verification of the second case and the phone's of the first")
        #expect(figures["reports"] as? Int == 1)
    }

    /// A JSON number, whether it came as an integer or not.
    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    /// A queue of our own on the events exchange for `routingKey`.
    func tap(_ routingKey: String) async throws -> AMQPConsumer {
        let scratch = try #require(city).scratch
        let queue = "test.field.\(UUID().uuidString.prefix(8))"
        try await scratch.adminPublisher().withConnection { connection in
            try connection.declare(Topology(queues: [QueueSpec(name: queue, quorum: false, bindings: [
                .init(exchange: MessagingNames.eventsExchange, routingKey: routingKey),
            ])]))
        }
        let consumer = AMQPConsumer(endpoint: try AMQPEndpoint(url: try scratch.amqpURL("ADMIN")), topology: Topology(), queue: queue, prefetch: 50)
        try await consumer.connect()
        return consumer
    }
}
