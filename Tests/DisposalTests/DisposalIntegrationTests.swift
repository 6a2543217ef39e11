import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import PGClient
import TestSupport
import Testing

/// The real `disposal` binary against the test broker and database.
@Suite(.serialized) struct DisposalIntegrationTests {
    func json(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:] }
    func errorCode(_ data: Data) -> String? { (json(data)["error"] as? [String: Any])?["code"] as? String }
    func errorFields(_ data: Data) -> [String] {
        ((json(data)["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }
    func id(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }

    @Test func dispatchedTaskAppearsInTheDepartmentInbox() async throws {
        let h = try await DisposalHarness()
        let d = h.dispatch()
        try await h.publish(d)
        let task = try await h.waitForTask(d.dispatchId, state: "dispatched")
        #expect(task["caseNumber"] as? String == d.caseNumber)
        #expect(task["departmentCode"] as? String == h.department)
        let (status, data) = try await h.http("GET", "/api/v1/departments/\(h.department)/tasks?state=dispatched&page=1&pageSize=10")
        #expect(status == 200)
        let items = json(data)["items"] as? [[String: Any]] ?? []
        #expect(items.map { ($0["dispatchId"] as? String)?.lowercased() } == [id(d.dispatchId)])
        #expect(json(data)["total"] as? Int == 1)
        let (empty, emptyData) = try await h.http("GET", "/api/v1/departments/\(h.department)/tasks?state=completed")
        #expect(empty == 200 && json(emptyData)["total"] as? Int == 0)
        let (bad, badData) = try await h.http("GET", "/api/v1/departments/\(h.department)/tasks?state=nope&pageSize=0")
        #expect(bad == 422)
        #expect(Set(errorFields(badData)) == ["state", "pageSize"])
        // Readers (auditor) see every inbox.
        let (audit, _) = try await h.http("GET", "/api/v1/departments/\(h.department)/tasks", headers: h.token(role: .auditor))
        #expect(audit == 200)
        await h.stop()
    }

    @Test func acceptProgressCompleteOverHTTPEmitTaskUpdates() async throws {
        let h = try await DisposalHarness()
        let tap = try await EventTap(h.env, publisher: h.publisher)
        let d = h.dispatch()
        try await h.publish(d)
        _ = try await h.waitForTask(d.dispatchId, state: "dispatched")
        let base = "/api/v1/tasks/\(id(d.dispatchId))"
        let (accept, _) = try await h.http("POST", base + "/accept")
        #expect(accept == 200)
        let (progress, _) = try await h.http("POST", base + "/progress", json: #"{"note":"on site","photos":["https://img.example/p1.jpg"]}"#)
        #expect(progress == 200)
        let (complete, body) = try await h.http("POST", base + "/complete", json: #"{"result":"cleaned up","photos":["https://img.example/after.jpg"]}"#)
        #expect(complete == 200)
        #expect(json(body)["state"] as? String == "completed")
        let updates = try await tap.updates(for: d.dispatchId, count: 3)
        #expect(updates.map(\.routingKey) == ["disposal.task.accepted", "disposal.task.progress-noted", "disposal.task.completed"])
        #expect(updates.last?.update.result == "cleaned up")
        #expect(updates.last?.update.photos == [Photo(url: "https://img.example/after.jpg", purpose: .completion)])
        #expect(updates.first?.update.actorId == "staff-\(h.department)")
        // The log keeps every step, notes and photo URLs included.
        let (_, detail) = try await h.http("GET", base)
        let kinds = (json(detail)["events"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds == ["dispatched", "accepted", "progress_noted", "completed"])
        await tap.close()
        await h.stop()
    }

    @Test func anotherDepartmentCannotSeeOrAct() async throws {
        let h = try await DisposalHarness()
        let d = h.dispatch()
        try await h.publish(d)
        _ = try await h.waitForTask(d.dispatchId, state: "dispatched")
        let other = h.token(h.otherDepartment)
        let (inbox, _) = try await h.http("GET", "/api/v1/departments/\(h.department)/tasks", headers: other)
        #expect(inbox == 404)
        let (read, _) = try await h.http("GET", "/api/v1/tasks/\(id(d.dispatchId))", headers: other)
        #expect(read == 404)
        for action in ["accept", "progress", "complete", "return", "extension", "suspension"] {
            let (status, _) = try await h.http("POST", "/api/v1/tasks/\(id(d.dispatchId))/\(action)",
                                               json: #"{"note":"n","result":"r","reason":"r","requestedDeadline":"2099-01-01T00:00:00Z"}"#,
                                               headers: other)
            #expect(status == 404, "\(action)")
        }
        let (unknown, _) = try await h.http("POST", "/api/v1/tasks/\(id(UUID()))/accept")
        #expect(unknown == 404)
        #expect(try await h.task(d.dispatchId)?["state"] as? String == "dispatched")
        await h.stop()
    }

    @Test func expiredForgedOrMissingTokensAreRejected() async throws {
        let h = try await DisposalHarness()
        let path = "/api/v1/departments/\(h.department)/tasks"
        let (expired, data) = try await h.http("GET", path, headers: h.token(expiresIn: -60))
        #expect(expired == 401)
        #expect(errorCode(data) == "invalid_token")
        let (forged, _) = try await h.http("GET", path, headers: h.token(secret: "some-other-secret-0123456789"))
        #expect(forged == 401)
        let (missing, _) = try await h.http("GET", path, headers: [:])
        #expect(missing == 401)
        let (dispatcher, _) = try await h.http("GET", path, headers: h.token(role: .dispatcher))
        #expect(dispatcher == 403)
        await h.stop()
    }

    @Test func completeWithoutResultIs422AndAcceptTwiceIs409() async throws {
        let h = try await DisposalHarness()
        let d = h.dispatch()
        try await h.publish(d)
        _ = try await h.waitForTask(d.dispatchId, state: "dispatched")
        let base = "/api/v1/tasks/\(id(d.dispatchId))"
        let (missing, data) = try await h.http("POST", base + "/complete", json: #"{"photos":["not a url"]}"#)
        #expect(missing == 422)
        #expect(errorFields(data) == ["result", "photos[0]"])
        let (ext, extData) = try await h.http("POST", base + "/extension", json: "{}")
        #expect(ext == 422)
        #expect(errorFields(extData) == ["reason", "requestedDeadline"])
        let (tooEarly, earlyData) = try await h.http("POST", base + "/extension",
                                                     json: #"{"reason":"parts","requestedDeadline":"2020-01-01T00:00:00Z"}"#)
        #expect(tooEarly == 422)
        #expect(errorFields(earlyData) == ["requestedDeadline"])
        let (first, _) = try await h.http("POST", base + "/accept")
        #expect(first == 200)
        let (second, conflict) = try await h.http("POST", base + "/accept")
        #expect(second == 409)
        #expect(errorCode(conflict) == "illegal_transition")
        let (admin, _) = try await h.http("POST", base + "/complete", json: #"{"result":"x"}"#, headers: h.token(role: .admin))
        #expect(admin == 403)
        #expect(try await h.task(d.dispatchId)?["state"] as? String == "accepted")
        await h.stop()
    }

    @Test func amqpCommandCompletesTheTask() async throws {
        let h = try await DisposalHarness()
        let tap = try await EventTap(h.env, publisher: h.publisher)
        let d = h.dispatch()
        try await h.publish(d)
        _ = try await h.waitForTask(d.dispatchId, state: "dispatched")
        try await h.command(TaskCommand(dispatchId: d.dispatchId, command: .complete, actorId: "dept-system-1", result: "repaired",
                                        photos: ["https://img.example/done.jpg"]))
        let task = try await h.waitForTask(d.dispatchId, state: "completed")
        #expect(task["result"] as? String == "repaired")
        let updates = try await tap.updates(for: d.dispatchId, count: 1)
        #expect(updates.map(\.routingKey) == ["disposal.task.completed"])
        #expect(updates.first?.update.actorId == "dept-system-1")
        await tap.close()
        await h.stop()
    }

    @Test func malformedOrForeignAmqpCommandsAreDeadLetteredAndChangeNothing() async throws {
        let h = try await DisposalHarness()
        let d = h.dispatch()
        try await h.publish(d)
        _ = try await h.waitForTask(d.dispatchId, state: "dispatched")
        let dlq = AMQPConsumer(endpoint: try AMQPEndpoint(url: try h.env.require("CITYGRID_TEST_AMQP_ADMIN_URL")), topology: Topology(),
                               queue: "disposal.commands.dlq", prefetch: 50)
        try await dlq.connect()
        let noResult = UUID(), foreign = UUID(), mismatch = UUID(), malformed = UUID(), unknown = UUID()
        try await h.command(TaskCommand(dispatchId: UUID(), command: .accept, actorId: "sys"), id: unknown)
        try await h.publishRawCommand("""
            {"specversion":"1.0","id":"\(id(malformed))","type":"citygrid.task.command.v1","source":"/test","time":"2026-11-25T10:00:00Z",\
            "datacontenttype":"application/json","data":{"command":"complete","actorId":"sys","result":"x"}}
            """, routingKey: "\(h.department).complete", id: malformed)
        try await h.command(TaskCommand(dispatchId: d.dispatchId, command: .complete, actorId: "sys"), id: noResult)
        try await h.command(TaskCommand(dispatchId: d.dispatchId, command: .accept, actorId: "sys"),
                            routingKey: "\(h.otherDepartment).accept", id: foreign)
        try await h.command(TaskCommand(dispatchId: d.dispatchId, command: .accept, actorId: "sys"),
                            routingKey: "\(h.department).complete", id: mismatch)
        var reasons: [UUID: String] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while reasons.count < 5 && ContinuousClock.now < deadline {
            guard let m = try await dlq.next(timeoutMilliseconds: 500) else { continue }
            try await dlq.ack(m)
            if let original = m.headers["x-citygrid-original-message-id"].flatMap(UUID.init(uuidString:)),
               [noResult, foreign, mismatch, malformed, unknown].contains(original) {
                reasons[original] = m.headers[MessagingNames.deadLetterReasonHeader] ?? "(no reason)"
            }
        }
        await dlq.close()
        #expect(reasons[malformed]?.contains("missing field 'data.dispatchId'") == true, "\(reasons)")
        #expect(reasons[unknown]?.contains("unknown dispatch") == true, "\(reasons)")
        #expect(reasons[noResult]?.contains("result: is required") == true, "\(reasons)")
        #expect(reasons[foreign]?.contains("wrong department") == true, "\(reasons)")
        #expect(reasons[mismatch]?.contains("does not match routing key") == true, "\(reasons)")
        let task = try await h.task(d.dispatchId)
        #expect(task?["state"] as? String == "dispatched")
        await h.stop()
    }

    @Test func reworkNoticeReopensTheTaskWithTheNewDeadline() async throws {
        let h = try await DisposalHarness()
        let d = h.dispatch()
        try await h.publish(d)
        _ = try await h.waitForTask(d.dispatchId, state: "dispatched")
        let (done, _) = try await h.http("POST", "/api/v1/tasks/\(id(d.dispatchId))/complete", json: #"{"result":"done"}"#)
        #expect(done == 200)
        let newDispatch = UUID()
        let newDeadline = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 5 * 86_400).rounded())
        try await h.publish(TaskNotice(noticeId: UUID(), kind: .reworked, caseId: d.caseId, caseNumber: d.caseNumber, departmentCode: h.department,
                                       dispatchId: newDispatch, at: Date(), deadline: newDeadline, reason: "still dirty"))
        let reopened = try await h.waitForTask(newDispatch, state: "dispatched")
        #expect((reopened["deadline"] as? String).flatMap(RFC3339.parse) == newDeadline)
        #expect((reopened["reworkOf"] as? String)?.lowercased() == id(d.dispatchId))
        let old = try await h.task(d.dispatchId)
        #expect(old?["state"] as? String == "superseded")
        // The department works the new task as usual.
        let (accept, _) = try await h.http("POST", "/api/v1/tasks/\(id(newDispatch))/accept")
        #expect(accept == 200)
        await h.stop()
    }

    @Test func earlyNoticeWaitsForItsDispatch() async throws {
        let h = try await DisposalHarness()
        let d = h.dispatch()
        let extended = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 9 * 86_400).rounded())
        try await h.publish(TaskNotice(noticeId: UUID(), kind: .extensionApproved, caseId: d.caseId, caseNumber: d.caseNumber,
                                       departmentCode: h.department, dispatchId: d.dispatchId, at: Date(), deadline: extended))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await h.task(d.dispatchId) == nil)
        try await h.publish(d)
        try await eventually("deadline moved by the parked notice") {
            (try await h.task(d.dispatchId)?["deadline"] as? String).flatMap(RFC3339.parse) == extended
        }
        await h.stop()
    }

    @Test func requestsAndTheCentresAnswers() async throws {
        let h = try await DisposalHarness()
        let tap = try await EventTap(h.env, publisher: h.publisher)
        let d = h.dispatch()
        try await h.publish(d)
        _ = try await h.waitForTask(d.dispatchId, state: "dispatched")
        let base = "/api/v1/tasks/\(id(d.dispatchId))"
        func notice(_ kind: TaskNoticeKind, deadline: Date? = nil) -> TaskNotice {
            TaskNotice(noticeId: UUID(), kind: kind, caseId: d.caseId, caseNumber: d.caseNumber, departmentCode: h.department,
                       dispatchId: d.dispatchId, at: Date(), deadline: deadline, reason: "decided", message: "msg")
        }
        func pending() async throws -> String? { (try await h.task(d.dispatchId)?["pendingRequest"] as? [String: Any])?["kind"] as? String }
        // Extension: requested, a second request conflicts, approved → new deadline, nothing pending.
        let wanted = RFC3339.format(Date(timeIntervalSince1970: d.deadline.addingTimeInterval(86_400).timeIntervalSince1970.rounded()))
        let (ext, _) = try await h.http("POST", base + "/extension", json: #"{"reason":"parts on order","requestedDeadline":"\#(wanted)"}"#)
        #expect(ext == 200)
        #expect(try await pending() == "extension")
        let (second, secondBody) = try await h.http("POST", base + "/suspension", json: #"{"reason":"later"}"#)
        #expect(second == 409 && errorCode(secondBody) == "illegal_transition")
        let approved = Date(timeIntervalSince1970: d.deadline.addingTimeInterval(43_200).timeIntervalSince1970.rounded())
        try await h.publish(notice(.extensionApproved, deadline: approved))
        try await eventually("extension approved") { try await pending() == nil }
        #expect((try await h.task(d.dispatchId)?["deadline"] as? String).flatMap(RFC3339.parse) == approved)
        // Suspension: approved → suspended (department cannot act), resumed → back.
        let (susp, _) = try await h.http("POST", base + "/suspension", json: #"{"reason":"owner unknown"}"#)
        #expect(susp == 200)
        try await h.publish(notice(.suspensionApproved))
        _ = try await h.waitForTask(d.dispatchId, state: "suspended")
        let (blocked, _) = try await h.http("POST", base + "/progress", json: #"{"note":"x"}"#)
        #expect(blocked == 409)
        try await h.publish(notice(.resumed, deadline: approved.addingTimeInterval(86_400)))
        _ = try await h.waitForTask(d.dispatchId, state: "dispatched")
        // Marks are recorded for display.
        try await h.publish(notice(.urged))
        try await eventually("urged") { try await h.task(d.dispatchId)?["urgeCount"] as? Int == 1 }
        // Return: requested, refused (pending cleared), requested again, approved → returned.
        let (ret, _) = try await h.http("POST", base + "/return", json: #"{"reason":"not our remit"}"#)
        #expect(ret == 200)
        try await h.publish(notice(.returnRefused))
        try await eventually("return refused") { try await pending() == nil }
        let (again, _) = try await h.http("POST", base + "/return", json: #"{"reason":"really not ours"}"#)
        #expect(again == 200)
        try await h.publish(notice(.returnApproved))
        _ = try await h.waitForTask(d.dispatchId, state: "returned")
        let (late, _) = try await h.http("POST", base + "/complete", json: #"{"result":"x"}"#)
        #expect(late == 409)
        let updates = try await tap.updates(for: d.dispatchId, count: 4)
        #expect(updates.map(\.routingKey) == ["disposal.task.extension-requested", "disposal.task.suspension-requested",
                                             "disposal.task.return-requested", "disposal.task.return-requested"])
        #expect(updates.first?.update.requestedDeadline.map(RFC3339.format) == wanted)
        await tap.close()
        await h.stop()
    }

    @Test func aChangedDeadlineMovesTheTaskAndItsBasisAndTheLogKeepsTheHistory() async throws {
        let h = try await DisposalHarness()
        let provisional = DeadlineBasis(kind: .workingCalendar, years: [
            .init(year: 2026, standing: .official, version: "official-3f9a1c2e", notice: "国办发明电〔2025〕7号"),
            .init(year: 2027, standing: .provisional, version: "provisional-0a1b2c3d", notice: nil),
        ])
        let official = DeadlineBasis(kind: .workingCalendar, years: [
            .init(year: 2026, standing: .official, version: "official-3f9a1c2e", notice: "国办发明电〔2025〕7号"),
            .init(year: 2027, standing: .official, version: "official-4e5f6a7b", notice: "国办发明电〔2026〕9号"),
        ])
        func basis(_ value: Any?) throws -> DeadlineBasis? {
            guard let value else { return nil }
            return try MessageCoding.decoder().decode(DeadlineBasis.self, from: JSONSerialization.data(withJSONObject: value))
        }
        func date(_ value: Any?) -> Date? { (value as? String).flatMap(RFC3339.parse) }
        let first = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3 * 86_400).rounded())
        var d = h.dispatch(deadline: first)
        d.deadlineBasis = provisional
        try await h.publish(d)
        let dispatched = try await h.waitForTask(d.dispatchId, state: "dispatched")
        #expect(try basis(dispatched["deadlineBasis"]) == provisional)
        #expect(dispatched["deadlineProvisional"] as? Bool == true)
        // A yellow light against the first deadline…
        try await h.publish(TaskNotice(noticeId: UUID(), kind: .warning, caseId: d.caseId, caseNumber: d.caseNumber,
                                       departmentCode: h.department, dispatchId: d.dispatchId, at: Date(), deadline: first))
        try await eventually("warning shown") { try await h.task(d.dispatchId)?["warningAt"] != nil }

        // The notice for 2027 is imported: supervision moves the deadline later (a bridging holiday,
        // say), which puts out the light set against the old one.
        let moved = first.addingTimeInterval(86_400)
        try await h.publish(TaskNotice(noticeId: UUID(), kind: .deadlineChanged, caseId: d.caseId, caseNumber: d.caseNumber,
                                       departmentCode: h.department, dispatchId: d.dispatchId, at: Date(), deadline: moved,
                                       reason: "calendar 2027 official", deadlineBasis: official, previousDeadline: first))
        try await eventually("deadline moved") { date(try await h.task(d.dispatchId)?["deadline"]) == moved }
        let (_, detailData) = try await h.http("GET", "/api/v1/tasks/\(id(d.dispatchId))")
        let detail = json(detailData)
        let task = detail["task"] as? [String: Any] ?? [:]
        #expect(task["state"] as? String == "dispatched")
        #expect(try basis(task["deadlineBasis"]) == official)
        #expect(task["deadlineProvisional"] as? Bool == false)
        #expect((task["lastNotice"] as? String)?.hasPrefix("deadline_changed") == true)
        #expect(task["warningAt"] == nil)
        // The log reads as the deadline's history: counted provisionally, then moved on the official year.
        let events = detail["events"] as? [[String: Any]] ?? []
        #expect(events.compactMap { $0["kind"] as? String } == ["dispatched", "notice.warning", "notice.deadline_changed"])
        #expect(date(events.first?["deadline"]) == first)
        #expect(try basis(events.first?["deadlineBasis"]) == provisional)
        #expect(date(events.last?["deadline"]) == moved)
        #expect(date(events.last?["previousDeadline"]) == first)
        #expect(try basis(events.last?["deadlineBasis"]) == official)
        #expect(events.last?["reason"] as? String == "calendar 2027 official")
        // The inbox shows the same.
        let (_, inboxData) = try await h.http("GET", "/api/v1/departments/\(h.department)/tasks")
        let item = (json(inboxData)["items"] as? [[String: Any]] ?? []).first { ($0["dispatchId"] as? String)?.lowercased() == id(d.dispatchId) }
        #expect(date(item?["deadline"]) == moved)
        #expect(try basis(item?["deadlineBasis"]) == official)
        #expect(item?["deadlineProvisional"] as? Bool == false)

        // The department still works the task; its operations keep the basis.
        let (accept, accepted) = try await h.http("POST", "/api/v1/tasks/\(id(d.dispatchId))/accept")
        #expect(accept == 200)
        #expect(try basis(json(accepted)["deadlineBasis"]) == official)
        // A rework opens the next task on the basis its notice names.
        let (done, _) = try await h.http("POST", "/api/v1/tasks/\(id(d.dispatchId))/complete", json: #"{"result":"done"}"#)
        #expect(done == 200)
        let reworkId = UUID()
        try await h.publish(TaskNotice(noticeId: UUID(), kind: .reworked, caseId: d.caseId, caseNumber: d.caseNumber, departmentCode: h.department,
                                       dispatchId: reworkId, at: Date(), deadline: moved.addingTimeInterval(86_400), reason: "still dirty",
                                       deadlineBasis: official))
        let rework = try await h.waitForTask(reworkId, state: "dispatched")
        #expect(try basis(rework["deadlineBasis"]) == official)
        // A dispatch from a sender without bases: no basis shown, and not provisional.
        let plain = h.dispatch()
        try await h.publish(plain)
        let plainTask = try await h.waitForTask(plain.dispatchId, state: "dispatched")
        #expect(plainTask["deadlineBasis"] == nil)
        #expect(plainTask["deadlineProvisional"] as? Bool == false)
        await h.stop()
    }

    @Test func redispatchSupersedesAndTheLogIsAppendOnly() async throws {
        let h = try await DisposalHarness()
        let first = h.dispatch()
        try await h.publish(first)
        _ = try await h.waitForTask(first.dispatchId, state: "dispatched")
        var second = h.dispatch(caseId: first.caseId)
        second.dispatchedAt = first.dispatchedAt.addingTimeInterval(60)
        second.redispatch = true
        try await h.publish(second)
        _ = try await h.waitForTask(second.dispatchId, state: "dispatched")
        #expect(try await h.task(first.dispatchId)?["state"] as? String == "superseded")
        // An older dispatch delivered late does not replace the newer one.
        var stale = h.dispatch(caseId: first.caseId)
        stale.dispatchedAt = first.dispatchedAt.addingTimeInterval(30)
        try await h.publish(stale)
        _ = try await h.waitForTask(stale.dispatchId, state: "superseded")
        #expect(try await h.task(second.dispatchId)?["state"] as? String == "dispatched")
        let pool = try h.env.adminPool()
        await #expect(throws: (any Error).self) {
            try await pool.withConnection { try $0.query("DELETE FROM disposal.task_events WHERE dispatch_id = $1", [first.dispatchId]) }
        }
        let count = try await pool.withConnection {
            try $0.query("SELECT count(*) AS n FROM disposal.task_events WHERE dispatch_id = $1", [first.dispatchId]).first!.int("n")
        }
        #expect(count == 2)  // dispatched, superseded
        await pool.closeAll()
        await h.stop()
    }
}
