import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import TestSupport
import Testing

/// The real `supervision` binary on the test database and vhost, driven by upstream events
/// published as admin and by staff commands over HTTP.
struct QueryPage: Decodable {
    var items: [CaseDTO]
    var nextCursor: String?
}

@Suite("Supervision lifecycle (real broker and database)", .serialized)
struct SupervisionLifecycleTests {
    let h = SupervisionHarness()

    @Test("supervisor report → located → filed → dispatched → completed → check → close, entry by entry")
    func supervisorReportFullLoop() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let tap = try await EventTap(env: h.env)
        let id = UUID()
        let (dispatchId, dept) = try await h.toHandling(service, id, dispatchId: UUID())
        let filed = try await tap.waitFor("CaseFiled") { $0.type == CaseFiled.eventType && (try? $0.payload(CaseFiled.self).caseId) == id }
        let filing = try filed.payload(CaseFiled.self)
        #expect(filed.routingKey == "supervision.case.filed")
        #expect(filing.conditionId == "0101-01")
        #expect(filing.handlingLimit == .naturalHours(2))
        #expect(filing.excludedDepartments.isEmpty)
        // Decisions only: grid-routing has the report and the place already; the class is the one filed under
        // (the acceptor may have changed it), so it goes along.
        #expect(try filed.payloadKeys() == ["caseId", "caseNumber", "conditionId", "handlingLimit", "filedAt", "excludedDepartments", "kind",
                                            "classCode"])
        #expect(filing.kind == .component && filing.classCode == "0101")

        try await h.publish(h.update(id, dispatchId: dispatchId, .accepted, department: dept), subject: id)
        try await h.publish(h.update(id, dispatchId: dispatchId, .completed, department: dept), subject: id)
        let checking = try await h.waitCase(service, id, "check requested") { $0.timeline.last?.action == "request_check" }
        #expect(checking.case.state == "awaiting_check")

        // A department-free supervisor may not close; the shift leader may.
        let (forbidden, forbiddenBody) = try await h.post(service, id, "close", token: h.token(.supervisor))
        #expect(forbidden == 403)
        #expect(forbiddenBody.contains("forbidden_for_role"))
        #expect(try await h.post(service, id, "check", #"{"passed": true, "note": "已复位"}"#, token: h.token(.supervisor)).0 == 200)
        let (closedStatus, _) = try await h.post(service, id, "close", token: h.token(.shiftLeader, sub: "leader-1"))
        #expect(closedStatus == 200)
        // A second close is a no-op, not an error.
        #expect(try await h.post(service, id, "close", token: h.token(.shiftLeader)).0 == 200)

        let done = try await h.waitCase(service, id, "closed") { $0.case.state == "closed" }
        let expected: [(String, String?, String, String, String)] = [
            ("report", nil, "reported", "supervisor", "sup-7"),
            ("locate", "reported", "awaiting_accept", "system", "grid-routing"),
            ("accept", "awaiting_accept", "awaiting_file", "acceptor", "auto-accept"),
            ("file", "awaiting_file", "awaiting_dispatch", "shift_leader", "auto-filing"),
            ("dispatch", "awaiting_dispatch", "in_handling", "system", "grid-routing"),
            ("accept_task", "in_handling", "in_handling", "department", "\(dept.lowercased())-staff"),
            ("complete", "in_handling", "awaiting_check", "department", "\(dept.lowercased())-staff"),
            ("request_check", "awaiting_check", "awaiting_check", "acceptor", "auto-check"),
            ("check_passed", "awaiting_check", "awaiting_close", "supervisor", "supervisor-1"),
            ("close", "awaiting_close", "closed", "shift_leader", "leader-1"),
        ]
        #expect(done.timeline.count == expected.count)
        for (index, (row, want)) in zip(done.timeline, expected).enumerated() {
            #expect(row.sequence == index + 1)
            #expect(row.kind == "transition")
            #expect(row.action == want.0, "entry \(index + 1)")
            #expect(row.from == want.1, "entry \(index + 1)")
            #expect(row.to == want.2, "entry \(index + 1)")
            #expect(row.actorRole == want.3, "entry \(index + 1)")
            #expect(row.actorId == want.4, "entry \(index + 1)")
        }
        #expect(done.timeline[3].details["condition_id"] == "0101-01")
        #expect(done.timeline[4].details["dispatch_id"] == dispatchId.uuidString.lowercased())
        #expect(done.timeline[4].startedClock?.stage == .handle)
        #expect(done.timeline[4].department == dept)
        #expect(done.timeline[5].actorDepartment == dept)

        // Every entry was published as CaseTransitioned, and the department heard of the closure.
        _ = try await tap.waitFor("closed notice") { $0.routingKey == "supervision.notice.\(dept).closed" && (try? $0.payload(TaskNotice.self).caseId) == id }
        _ = try await tap.waitFor("10 transitions") { _ in tap.all(CaseTransitioned.self) { $0.entry.caseId == id }.count >= 10 }
        let transitions = tap.all(CaseTransitioned.self) { $0.entry.caseId == id }
        // At-least-once delivery: a copy may arrive twice (same message id); the set is what counts.
        #expect(Set(transitions.map(\.entry.sequence)) == Set(1...10))
        #expect(transitions.allSatisfy { $0.channel == .supervisor && $0.classCode == "0101" && $0.reporterId == "sup-7" })
        await tap.close()
    }

    @Test("public report → verification requested → refuted → voided; confirmed → filed")
    func publicReportVerification() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let tap = try await EventTap(env: h.env)
        let refuted = UUID()
        let confirmed = UUID()
        for id in [refuted, confirmed] {
            try await h.publish(h.reported(id, channel: .hotline12345), subject: id)
            try await h.publish(h.located(id), subject: id)
        }
        let request = try await tap.waitFor("VerificationRequested") {
            $0.type == VerificationRequested.eventType && (try? $0.payload(VerificationRequested.self).caseId) == refuted
        }
        let verification = try request.payload(VerificationRequested.self)
        #expect(verification.gridCode == SupervisionHarness.grid.grid)
        #expect(verification.deadline != nil)
        try await h.waitCase(service, refuted, "awaiting_verify") { $0.case.state == "awaiting_verify" }
        try await h.waitCase(service, confirmed, "awaiting_verify") { $0.case.state == "awaiting_verify" }

        #expect(try await h.post(service, refuted, "verification", #"{"result": "maybe"}"#, token: h.token(.supervisor)).0 == 422)
        #expect(try await h.post(service, refuted, "verification", #"{"result": "refuted", "note": "现场无此问题"}"#,
                                 token: h.token(.supervisor)).0 == 200)
        let voided = try await h.waitCase(service, refuted, "voided") { $0.case.state == "voided" }
        #expect(voided.timeline.map(\.action) == ["report", "locate", "request_verification", "verification_refuted"])
        #expect(voided.timeline[0].actorRole == "system")

        #expect(try await h.post(service, confirmed, "verification", #"{"result": "confirmed"}"#, token: h.token(.supervisor)).0 == 200)
        let filed = try await h.waitCase(service, confirmed, "filed") { $0.case.state == "awaiting_dispatch" }
        #expect(filed.timeline.map(\.action) == ["report", "locate", "request_verification", "verification_confirmed", "file"])
        #expect(filed.timeline.last?.actorId == "auto-filing")
        _ = try await tap.waitFor("CaseFiled after verification") {
            $0.type == CaseFiled.eventType && (try? $0.payload(CaseFiled.self).caseId) == confirmed
        }
        await tap.close()
    }

    @Test("approved return → redispatch CaseFiled excluding the department, return_approved notice")
    func returnRedispatch() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let tap = try await EventTap(env: h.env)
        let id = UUID()
        let (dispatchId, dept) = try await h.toHandling(service, id, dispatchId: UUID())
        try await h.publish(h.update(id, dispatchId: dispatchId, .returnRequested, department: dept, reason: "不属于本单位"), subject: id)
        try await h.waitCase(service, id, "return pending") { $0.case.pendingRequest?.kind == .return }
        // Only the dispatcher rules on returns.
        #expect(try await h.post(service, id, "return-decision", #"{"approve": true}"#, token: h.token(.shiftLeader)).0 == 403)
        #expect(try await h.post(service, id, "return-decision", #"{"approve": true}"#, token: h.token(.dispatcher)).0 == 200)
        let after = try await h.waitCase(service, id, "returned") { $0.timeline.contains { $0.action == "approve_return" } }
        #expect(after.case.returnedBy == [dept])
        let redispatch = try await tap.waitFor("redispatch") { $0.routingKey == "supervision.case.redispatch-requested"
            && (try? $0.payload(CaseFiled.self).caseId) == id }
        let filed = try redispatch.payload(CaseFiled.self)
        #expect(filed.redispatch == true)
        #expect(filed.excludedDepartments == [dept])
        let notice = try await tap.waitFor("return approved") { $0.routingKey == "supervision.notice.\(dept).return-approved" && (try? $0.payload(TaskNotice.self).caseId) == id }
        #expect(try notice.payload(TaskNotice.self).dispatchId == dispatchId)
        // The re-dispatch to another department is applied (ours, or a grid-routing's on the shared vhost).
        let other = dept == "SCJG" ? "CGZF" : "SCJG"
        try await h.publish(h.dispatched(id, dispatchId: UUID(), department: other), subject: id)
        try await h.waitCase(service, id, "redispatched") { $0.case.state == "in_handling" && $0.case.currentDepartment != dept }
        await tap.close()
    }

    @Test("approved extension moves the handling deadline and tells the department")
    func extensionApproved() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let tap = try await EventTap(env: h.env)
        let id = UUID()
        let (dispatchId, dept) = try await h.toHandling(service, id, dispatchId: UUID())
        let before = try await h.waitCase(service, id, "deadline") { $0.case.handlingDeadline != nil }
        let wanted = before.case.handlingDeadline!.addingTimeInterval(86_400)
        try await h.publish(h.update(id, dispatchId: dispatchId, .extensionRequested, department: dept, reason: "需要采购", requestedDeadline: wanted), subject: id)
        try await h.waitCase(service, id, "extension pending") { $0.case.pendingRequest?.kind == .extension }
        #expect(try await h.post(service, id, "extension-decision", #"{"approve": true}"#, token: h.token(.shiftLeader)).0 == 200)
        let after = try await h.waitCase(service, id, "extended") { $0.timeline.last?.action == "approve_extension" }
        #expect(abs(after.case.handlingDeadline!.timeIntervalSince(wanted)) < 1)
        #expect(after.case.pendingRequest == nil)
        let notice = try await tap.waitFor("extension approved") { $0.routingKey == "supervision.notice.\(dept).extension-approved" && (try? $0.payload(TaskNotice.self).caseId) == id }
        #expect(abs(try notice.payload(TaskNotice.self).deadline!.timeIntervalSince(wanted)) < 1)
        await tap.close()
    }

    @Test("approved suspension suspends; resume restarts handling with a new deadline")
    func suspensionAndResume() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let tap = try await EventTap(env: h.env)
        let id = UUID()
        let (dispatchId, dept) = try await h.toHandling(service, id, dispatchId: UUID())
        try await h.publish(h.update(id, dispatchId: dispatchId, .suspensionRequested, department: dept, reason: "需市政府协调"), subject: id)
        try await h.waitCase(service, id, "suspension pending") { $0.case.pendingRequest?.kind == .suspension }
        #expect(try await h.post(service, id, "suspension-decision", #"{"approve": true}"#, token: h.token(.shiftLeader)).0 == 200)
        let suspended = try await h.waitCase(service, id, "suspended") { $0.case.state == "suspended" }
        #expect(suspended.case.clock == nil)
        #expect(try await h.post(service, id, "resume", token: h.token(.shiftLeader)).0 == 200)
        let resumed = try await h.waitCase(service, id, "resumed") { $0.case.state == "in_handling" }
        #expect(resumed.case.clock?.stage == .handle)
        #expect(resumed.case.handlingDeadline != nil)
        #expect(resumed.timeline.suffix(3).map(\.action) == ["request_suspension", "approve_suspension", "resume"])
        _ = try await tap.waitFor("suspension approved") { $0.routingKey == "supervision.notice.\(dept).suspension-approved" && (try? $0.payload(TaskNotice.self).caseId) == id }
        _ = try await tap.waitFor("resumed") { $0.routingKey == "supervision.notice.\(dept).resumed" && (try? $0.payload(TaskNotice.self).caseId) == id }
        await tap.close()
    }

    @Test("failed check → rework with a new dispatch id, then completion and a passing check")
    func reworkLoop() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let tap = try await EventTap(env: h.env)
        let id = UUID()
        let (dispatchId, dept) = try await h.toHandling(service, id, dispatchId: UUID())
        try await h.publish(h.update(id, dispatchId: dispatchId, .completed, department: dept), subject: id)
        try await h.waitCase(service, id, "check requested") { $0.timeline.last?.action == "request_check" }
        #expect(try await h.post(service, id, "check", #"{"passed": false, "note": "井盖仍松动"}"#, token: h.token(.supervisor)).0 == 200)
        let reworked = try await h.waitCase(service, id, "rework") { $0.case.state == "in_handling" && $0.case.reworkCount == 1 }
        let newDispatch = try #require(reworked.case.currentDispatchId)
        #expect(newDispatch != dispatchId)
        #expect(reworked.case.currentDepartment == dept)
        #expect(reworked.timeline.last?.action == "check_failed")
        #expect(reworked.timeline.last?.details["dispatch_id"] == newDispatch.uuidString.lowercased())
        let notice = try await tap.waitFor("reworked") { $0.routingKey == "supervision.notice.\(dept).reworked" && (try? $0.payload(TaskNotice.self).caseId) == id }
        #expect(try notice.payload(TaskNotice.self).dispatchId == newDispatch)
        try await h.publish(h.update(id, dispatchId: newDispatch, .completed, department: dept), subject: id)
        try await h.waitCase(service, id, "second check") { $0.timeline.last?.action == "request_check" && $0.case.reworkCount == 1 }
        #expect(try await h.post(service, id, "check", #"{"passed": true}"#, token: h.token(.supervisor)).0 == 200)
        try await h.waitCase(service, id, "awaiting_close") { $0.case.state == "awaiting_close" }
        await tap.close()
    }

    @Test("a passed handling deadline gets a warning and an overdue mark, once, with red/yellow notices")
    func overdueWithWarning() async throws {
        // The task was dispatched two hours ago with a one-hour limit: its deadline has passed.
        // (The real clock is used: the test database is shared, and a watcher running days ahead
        // would mark every other test's cases too.)
        let service = try await h.start()
        defer { service.terminate() }
        let tap = try await EventTap(env: h.env)
        let id = UUID()
        let dispatchId = UUID()
        let dispatchedAt = Date().addingTimeInterval(-2 * 3600)
        try await h.publish(h.dispatched(id, dispatchId: dispatchId, at: dispatchedAt, deadline: dispatchedAt.addingTimeInterval(3600)), subject: id)
        try await h.publish(h.reported(id), subject: id)
        try await h.publish(h.located(id), subject: id)
        let handling = try await h.waitCase(service, id, "in_handling") { $0.case.state == "in_handling" }
        try #require(handling.case.currentDispatchId == dispatchId, "a grid-routing on the shared vhost dispatched first")
        let marked = try await h.waitCase(service, id, "overdue") { $0.timeline.contains { $0.action == "mark_overdue" } }
        #expect(marked.case.state == "in_handling")
        #expect(marked.case.clock?.warnedAt != nil)
        #expect(marked.case.clock?.overdueAt != nil)
        let marks = marked.timeline.filter { $0.action.hasPrefix("mark_") }
        #expect(marks.map(\.action) == ["mark_warning", "mark_overdue"])
        #expect(marks.allSatisfy { $0.actorRole == "system" && $0.to == "in_handling" && $0.actorId == "deadline-watcher" })
        func about(_ tapped: Tapped) -> Bool { (try? tapped.payload(TaskNotice.self).caseId) == id }
        _ = try await tap.waitFor("warning notice") { $0.routingKey == "supervision.notice.CGZF.warning" && about($0) }
        let overdue = try await tap.waitFor("overdue notice") { $0.routingKey == "supervision.notice.CGZF.overdue" && about($0) }
        #expect(try overdue.payload(TaskNotice.self).dispatchId == dispatchId)
        // Later scans change nothing: one mark per clock.
        try await Task.sleep(for: .seconds(2.5))
        let (_, again) = try await h.detail(service, id, token: h.token(.auditor))
        #expect(again?.timeline.filter { $0.action.hasPrefix("mark_") }.count == 2)
        // The overdue filter lists it.
        let (status, data) = try await service.http("GET", "/api/v1/cases?overdue=true&q=T\(id.uuidString.prefix(8))",
                                                    headers: ["Authorization": "Bearer \(h.token(.auditor))"])
        #expect(status == 200)
        #expect(try MessageCoding.decoder().decode(QueryPage.self, from: data).items.map(\.id) == [id])
        await tap.close()
    }

    @Test("a self-handled report left unreviewed past its review deadline is marked overdue")
    func reviewClockOverdue() async throws {
        let service = try await h.start()
        defer { service.terminate() }
        let id = UUID()
        // Reported three days ago: the one-working-hour review limit has long passed.
        try await h.publish(h.reported(id, at: Date().addingTimeInterval(-3 * 86_400), selfHandled: true,
                                       photos: [Photo(url: "https://img.example/b.jpg", purpose: .before),
                                                Photo(url: "https://img.example/a.jpg", purpose: .after)]),
                            subject: id)
        let marked = try await h.waitCase(service, id, "review overdue") { $0.timeline.contains { $0.action == "mark_overdue" } }
        #expect(marked.case.state == "self_handled_pending")
        #expect(marked.case.clock?.stage == .review)
        #expect(marked.timeline.filter { $0.action.hasPrefix("mark_") }.map(\.action) == ["mark_warning", "mark_overdue"])
    }

    @Test("an accelerated clock (CITYGRID_CLOCK_START) drives the watcher and token expiry")
    func acceleratedClock() async throws {
        // The service's clock runs a day behind: a token that expired an hour ago is still valid
        // for it, which shows the service reads time from the injected clock.
        let clockStart = Date().addingTimeInterval(-86_400)
        let service = try await h.start(["CITYGRID_CLOCK_START": RFC3339.format(clockStart)])
        defer { service.terminate() }
        let expiredNow = h.token(.auditor, expires: Date().addingTimeInterval(-3600))
        #expect(try await service.http("GET", "/api/v1/cases?limit=1", headers: ["Authorization": "Bearer \(expiredNow)"]).0 == 200)
    }
}
