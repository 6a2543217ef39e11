import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import TestSupport
import Testing

/// Every path of the case state table (domain §1.4) through all five services as separate
/// processes, on an injected city clock: the processes share one `CITYGRID_CLOCK_FILE`, and the
/// test moves the whole city forward (past a warning, a deadline) by writing a new offset.
///
/// Each test gets its own database and vhost (`scripts/infra scratch e2e`), so the clock can run
/// weeks ahead without marking other suites' cases, and no other suite's consumer takes our
/// messages. Cases are driven only through public interfaces — intake's report API, disposal's
/// department inbox, supervision's commands, grid-routing's manual-dispatch desk — and checked
/// through supervision's timeline (entry by entry), the department's queue topic, and
/// assessment's department figures.
@Suite("End to end on an injected clock: every path of the case state table", .serialized)
final class SidePathTests {
    /// Monday 7 December 2026, 09:00 Beijing time: a working day with no holiday nearby.
    static let cityStart = RFC3339.parse("2026-12-07T09:00:00+08:00")!
    static let grid = "150105002005003"
    static let street = "STREET-150105002"

    let refs: ReferenceData
    var city: InjectedCity?

    init() throws {
        refs = try ReferenceData.load(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Shared/reference-data"))
    }

    deinit { city?.stop() }

    // MARK: The city under test

    var services: [String: ServiceProcess] { city?.services ?? [:] }
    var tap: AMQPConsumer? { city?.tap }
    var now: Date { city?.now ?? Self.cityStart }

    /// Moves every service's clock to `instant` (within the 50 ms the clocks cache the offset).
    func setClock(_ instant: Date) throws { try #require(city).setClock(instant) }

    func startCity() async throws {
        city = try await InjectedCity.start("e2e", at: Self.cityStart)
    }

    func token(_ role: Role, _ scope: AccessScope = .city, sub: String) -> String { city!.token(role, scope, sub: sub) }

    var supervisor: String { token(.supervisor, sub: "sup-e2e") }
    var shiftLeader: String { token(.shiftLeader, sub: "leader-e2e") }
    var dispatcher: String { token(.dispatcher, sub: "dispatcher-e2e") }
    var acceptor: String { token(.acceptor, sub: "acceptor-e2e") }
    func department(_ code: String) -> String { city!.department(code) }

    static func date(_ value: Any?) -> Date? { (value as? String).flatMap { RFC3339.parse($0) } }

    @discardableResult
    func post(_ service: String, _ path: String, _ body: [String: Any] = [:], token: String, expect: Int = 200,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let answer = try await #require(city).request("POST", service, path, body: body, token: token)
        #expect(answer.status == expect, "POST \(path): \(answer.text)", sourceLocation: sourceLocation)
        return answer.json
    }

    func get(_ service: String, _ path: String, token: String) async throws -> (Int, [String: Any]) {
        let answer = try await #require(city).request("GET", service, path, token: token)
        return (answer.status, answer.json)
    }

    /// One timeline entry as supervision's query API shows it.
    struct Entry: Equatable, CustomStringConvertible {
        var action: String
        var from: String?
        var to: String
        var role: String
        var actor: String
        var description: String { "\(action) \(from ?? "∅")→\(to) by \(role):\(actor)" }
    }

    struct CaseDetail {
        var state: String
        var fields: [String: Any]
        var timeline: [[String: Any]]
        var entries: [Entry] {
            timeline.map { Entry(action: $0["action"] as? String ?? "?", from: $0["from"] as? String, to: $0["to"] as? String ?? "?",
                                 role: $0["actorRole"] as? String ?? "?", actor: $0["actorId"] as? String ?? "?") }
        }
        var actions: [String] { entries.map(\.action) }
        func date(_ key: String) -> Date? { (fields[key] as? String).flatMap(RFC3339.parse) }
    }

    func detail(_ caseId: String) async throws -> CaseDetail? {
        let (status, body) = try await get("supervision", "/api/v1/cases/\(caseId)", token: token(.auditor, sub: "auditor-e2e"))
        guard status == 200, let fields = body["case"] as? [String: Any] else { return nil }
        return CaseDetail(state: fields["state"] as? String ?? "?", fields: fields, timeline: body["timeline"] as? [[String: Any]] ?? [])
    }

    @discardableResult
    func waitFor(_ caseId: String, _ what: String, timeout: Duration = .seconds(30),
                 _ condition: (CaseDetail) -> Bool) async throws -> CaseDetail {
        var last: CaseDetail?
        do {
            try await eventually(timeout: timeout, "case \(caseId): \(what)") {
                last = try await detail(caseId)
                return last.map(condition) ?? false
            }
        } catch {
            throw TestSetupError("\(error); last seen: \(last?.state ?? "nothing") \(last?.actions ?? [])")
        }
        return last!
    }

    /// The next message on the department tap about `caseId` that `accept` takes.
    func tapped<T: Codable & Sendable>(_ type: T.Type, caseId: String, routingKey: String? = nil,
                                       timeout: Duration = .seconds(30), _ accept: (T) -> Bool = { _ in true }) async throws -> T {
        try await #require(tap).nextEnvelope(type, subject: caseId, routingKey: routingKey, timeout: timeout, where: accept)
    }

    /// A supervisor on patrol reports exposed garbage (event 0102) inside grid 150105002005003.
    func reportGarbage(extra: [String: Any] = [:]) async throws -> (caseId: String, number: String) {
        var body: [String: Any] = [
            "channel": "supervisor", "reporterId": "sup-e2e", "kind": "event", "classCode": "0102",
            "location": ["longitude": 111.6983394 + Double.random(in: -0.0002...0.0002), "latitude": 40.8169077 + Double.random(in: -0.0002...0.0002)],
            "description": "主次干道两侧生活垃圾散落堆放", "photos": ["https://photos.example/e2e-before.jpg"],
        ]
        for (k, v) in extra { body[k] = v }
        let created = try await post("intake", "/api/v1/reports", body, token: supervisor, expect: 201)
        return (try #require(created["caseId"] as? String), try #require(created["caseNumber"] as? String))
    }

    /// Reports and waits for the task to reach the street office; returns the dispatch.
    func reportUntilDispatched() async throws -> (caseId: String, task: TaskDispatched) {
        let (caseId, _) = try await reportGarbage()
        let task = try await tapped(TaskDispatched.self, caseId: caseId)
        #expect(task.departmentCode == Self.street)
        #expect(task.gridCode == Self.grid)
        try await waitFor(caseId, "in handling") { $0.state == "in_handling" }
        try await eventually("task in the department's inbox") { try await taskState(task.dispatchId, task.departmentCode) != nil }
        return (caseId, task)
    }

    func taskPath(_ dispatchId: UUID) -> String { "/api/v1/tasks/\(dispatchId.uuidString.lowercased())" }

    func taskState(_ dispatchId: UUID, _ department: String) async throws -> String? {
        let (status, body) = try await get("disposal", taskPath(dispatchId), token: self.department(department))
        return status == 200 ? (body["task"] as? [String: Any])?["state"] as? String : nil
    }

    func waitTask(_ dispatchId: UUID, _ department: String, _ state: String) async throws {
        try await eventually("task \(dispatchId) \(state) in disposal") { try await taskState(dispatchId, department) == state }
    }

    /// The department accepts (签收) and finishes (反馈) on disposal; the case waits for its check.
    func departmentFinishes(_ caseId: String, _ dispatchId: UUID, _ department: String, accept: Bool = true) async throws {
        let dept = self.department(department)
        if accept { try await post("disposal", taskPath(dispatchId) + "/accept", ["note": "已签收"], token: dept) }
        try await post("disposal", taskPath(dispatchId) + "/complete", ["result": "已清运", "photos": ["https://photos.example/e2e-after.jpg"]], token: dept)
        try await waitFor(caseId, "awaiting check") { $0.state == "awaiting_check" && $0.actions.last == "request_check" }
    }

    /// Check passes on site; the shift leader closes; the department hears of the closure.
    func checkAndClose(_ caseId: String, _ dispatchId: UUID, _ department: String) async throws -> CaseDetail {
        try await post("supervision", "/api/v1/cases/\(caseId)/check", ["passed": true, "note": "现场已清理"], token: supervisor)
        try await waitFor(caseId, "awaiting close") { $0.state == "awaiting_close" }
        try await post("supervision", "/api/v1/cases/\(caseId)/close", token: shiftLeader)
        let closed = try await waitFor(caseId, "closed") { $0.state == "closed" }
        try await waitTask(dispatchId, department, "closed")
        return closed
    }

    /// The department figures assessment computed for December 2026 (after its events arrived).
    func departmentFigures(_ code: String, until condition: @escaping ([String: Any]) -> Bool) async throws -> [String: Any] {
        var found: [String: Any] = [:]
        try await eventually(timeout: .seconds(30), "assessment figures for \(code)") {
            let (status, body) = try await get("assessment", "/api/v1/kpi/departments?period=2026-12", token: token(.auditor, sub: "auditor-e2e"))
            guard status == 200 else { return false }
            let rows = (body["rows"] as? [[String: Any]]) ?? []
            found = rows.first { $0["code"] as? String == code } ?? [:]
            return condition(found)
        }
        return found
    }

    /// The common head of every dispatched supervisor report.
    static func head(_ department: String) -> [Entry] {
        [
            Entry(action: "report", from: nil, to: "reported", role: "supervisor", actor: "sup-e2e"),
            Entry(action: "locate", from: "reported", to: "awaiting_accept", role: "system", actor: "grid-routing"),
            Entry(action: "accept", from: "awaiting_accept", to: "awaiting_file", role: "acceptor", actor: "auto-accept"),
            Entry(action: "file", from: "awaiting_file", to: "awaiting_dispatch", role: "shift_leader", actor: "auto-filing"),
            Entry(action: "dispatch", from: "awaiting_dispatch", to: "in_handling", role: "system", actor: "grid-routing"),
        ]
    }

    static func staff(_ department: String) -> String { "\(department.lowercased())-staff" }

    static func tail(_ department: String) -> [Entry] {
        [
            Entry(action: "accept_task", from: "in_handling", to: "in_handling", role: "department", actor: staff(department)),
            Entry(action: "complete", from: "in_handling", to: "awaiting_check", role: "department", actor: staff(department)),
            Entry(action: "request_check", from: "awaiting_check", to: "awaiting_check", role: "acceptor", actor: "auto-check"),
            Entry(action: "check_passed", from: "awaiting_check", to: "awaiting_close", role: "supervisor", actor: "sup-e2e"),
            Entry(action: "close", from: "awaiting_close", to: "closed", role: "shift_leader", actor: "leader-e2e"),
        ]
    }

    func expectTimeline(_ detail: CaseDetail, _ expected: [Entry], sourceLocation: SourceLocation = #_sourceLocation) {
        let got = detail.entries
        #expect(got.count == expected.count, "timeline \(got)", sourceLocation: sourceLocation)
        for (index, (row, want)) in zip(got, expected).enumerated() {
            #expect(row == want, "entry \(index + 1)", sourceLocation: sourceLocation)
        }
        let sequences = detail.timeline.compactMap { $0["sequence"] as? Int }
        #expect(sequences == Array(1...max(1, got.count)), sourceLocation: sourceLocation)
        let times = detail.timeline.compactMap { ($0["at"] as? String).flatMap(RFC3339.parse) }
        #expect(times == times.sorted(), "timeline times run forward", sourceLocation: sourceLocation)
    }

    // MARK: The paths

    @Test("main path on the city clock: the handling deadline is 8 working hours on the calendar, then check and close")
    func mainPathOnTheCalendar() async throws {
        try await startCity()
        let (caseId, task) = try await reportUntilDispatched()
        // Event 0102-01 in a class-B area: 8 working hours, counted on the working calendar from
        // the dispatch time the city clock gave (Monday morning → Tuesday).
        let condition = try #require(refs.filingCondition(.event, id: "0102-01"))
        let expected = try refs.calendar.deadline(from: task.dispatchedAt, limit: condition.limitB)
        #expect(abs(task.deadline.timeIntervalSince(expected)) < 1)
        #expect(abs(task.dispatchedAt.timeIntervalSince(Self.cityStart)) < 120, "dispatched on the city clock, not the wall clock")
        try await departmentFinishes(caseId, task.dispatchId, task.departmentCode)
        let closed = try await checkAndClose(caseId, task.dispatchId, task.departmentCode)
        expectTimeline(closed, Self.head(Self.street) + Self.tail(Self.street))
        let figures = try await departmentFigures(Self.street) { ($0["handled"] as? Int ?? 0) >= 1 }
        #expect(figures["handled_on_time"] as? Int == 1)
        #expect(figures["overdue"] as? Int == 0)
    }

    @Test("overdue: the yellow light at 80 % of the limit, the red light after the deadline, urging reaches the department; late work still closes")
    func overdueWarningAndUrging() async throws {
        try await startCity()
        let (caseId, task) = try await reportUntilDispatched()
        let started = task.dispatchedAt
        let warnAt = started.addingTimeInterval(task.deadline.timeIntervalSince(started) * 0.8)
        // Just before the warning: nothing.
        try setClock(warnAt.addingTimeInterval(-120))
        try await Task.sleep(for: .seconds(2))
        #expect(try await detail(caseId)?.actions.contains("mark_warning") == false)
        // Past the warning point: the yellow light, and the department is told.
        try setClock(warnAt.addingTimeInterval(60))
        let warned = try await waitFor(caseId, "yellow light") { $0.actions.contains("mark_warning") }
        #expect(!warned.actions.contains("mark_overdue"))
        let warning = try await tapped(TaskNotice.self, caseId: caseId, routingKey: "supervision.notice.\(Self.street).warning")
        #expect(warning.dispatchId == task.dispatchId)
        // Past the deadline: the red light, once.
        try setClock(task.deadline.addingTimeInterval(300))
        let overdue = try await waitFor(caseId, "red light") { $0.actions.contains("mark_overdue") }
        #expect(overdue.state == "in_handling")
        _ = try await tapped(TaskNotice.self, caseId: caseId, routingKey: "supervision.notice.\(Self.street).overdue")
        let (listed, page) = try await get("supervision", "/api/v1/cases?overdue=true&department=\(Self.street)", token: shiftLeader)
        #expect(listed == 200)
        #expect(((page["items"] as? [[String: Any]]) ?? []).contains { ($0["id"] as? String)?.lowercased() == caseId })
        // 督办: the dispatcher urges; the notice reaches the department's queue and its inbox.
        try await post("supervision", "/api/v1/cases/\(caseId)/urge", ["message": "请立即处置，已超期"], token: dispatcher)
        let urged = try await tapped(TaskNotice.self, caseId: caseId, routingKey: "supervision.notice.\(Self.street).urged")
        #expect(urged.message == "请立即处置，已超期")
        try await eventually("the urge in the task's log") {
            let (_, body) = try await get("disposal", taskPath(task.dispatchId), token: department(Self.street))
            return ((body["events"] as? [[String: Any]]) ?? []).contains { ($0["action"] as? String ?? $0["kind"] as? String ?? "").contains("urg") }
        }
        // The clock moves on a little; the late work is done, checked and closed.
        try setClock(task.deadline.addingTimeInterval(3600))
        try await departmentFinishes(caseId, task.dispatchId, task.departmentCode)
        let closed = try await checkAndClose(caseId, task.dispatchId, task.departmentCode)
        let marks = [
            Entry(action: "mark_warning", from: "in_handling", to: "in_handling", role: "system", actor: "deadline-watcher"),
            Entry(action: "mark_overdue", from: "in_handling", to: "in_handling", role: "system", actor: "deadline-watcher"),
            Entry(action: "urge", from: "in_handling", to: "in_handling", role: "dispatcher", actor: "dispatcher-e2e"),
        ]
        expectTimeline(closed, Self.head(Self.street) + marks + Self.tail(Self.street))
        // Assessment counts the handling as late.
        let figures = try await departmentFigures(Self.street) { ($0["handled"] as? Int ?? 0) >= 1 }
        #expect(figures["overdue"] as? Int == 1)
        #expect(figures["handled_on_time"] as? Int == 0)
    }

    @Test("return (回退) → re-dispatch along the responsibility chain (street → sanitation → district government); when all returned → manual dispatch desk → closed")
    func returnAndRedispatch() async throws {
        try await startCity()
        let (caseId, first) = try await reportUntilDispatched()
        // A return needs a reason: 422, nothing changes.
        try await post("disposal", taskPath(first.dispatchId) + "/return", [:], token: department(Self.street), expect: 422)
        var task = first
        for (index, next) in ["SRHW", "GOV-150105", nil].enumerated() {
            let holder = task.departmentCode
            try await post("disposal", taskPath(task.dispatchId) + "/return", ["reason": "不属于本单位职责范围（第\(index + 1)次回退）"], token: department(holder))
            try await waitFor(caseId, "return requested by \(holder)") { $0.actions.last == "request_return" }
            // Only the dispatcher rules on returns.
            if index == 0 {
                try await post("supervision", "/api/v1/cases/\(caseId)/return-decision", ["approve": true], token: shiftLeader, expect: 403)
            }
            try await post("supervision", "/api/v1/cases/\(caseId)/return-decision", ["approve": true], token: dispatcher)
            try await waitTask(task.dispatchId, holder, "returned")
            // A department that returned the case can no longer act on its old task.
            try await post("disposal", taskPath(task.dispatchId) + "/complete", ["result": "x"], token: department(holder), expect: 409)
            guard let next else { break }
            // Grid-routing re-dispatches to the next owner in the responsibility chain.
            let previous = task.dispatchId
            task = try await tapped(TaskDispatched.self, caseId: caseId) { $0.dispatchId != previous }
            #expect(task.departmentCode == next)
            try await eventually("task in \(next)'s inbox") { try await taskState(task.dispatchId, next) == "dispatched" }
        }
        // Nobody responsible is left: the case waits on the manual-dispatch desk.
        try await waitFor(caseId, "manual dispatch") { $0.state == "manual_dispatch" }
        try await eventually("on the manual-dispatch desk") {
            let (status, body) = try await get("grid-routing", "/api/v1/manual-dispatch", token: dispatcher)
            let items = (body["items"] as? [[String: Any]]) ?? []
            return status == 200 && items.contains { ($0["caseId"] as? String)?.lowercased() == caseId }
        }
        // None of the departments that returned it may get it back; the dispatcher picks 城管执法.
        try await post("grid-routing", "/api/v1/manual-dispatch/\(caseId)/dispatch", ["departmentCode": Self.street], token: dispatcher, expect: 422)
        try await post("grid-routing", "/api/v1/manual-dispatch/\(caseId)/dispatch", ["departmentCode": "CGZF"], token: dispatcher)
        let last = try await tapped(TaskDispatched.self, caseId: caseId) { $0.departmentCode == "CGZF" }
        try await eventually("task in CGZF's inbox") { try await taskState(last.dispatchId, "CGZF") == "dispatched" }
        try await departmentFinishes(caseId, last.dispatchId, "CGZF")
        let closed = try await checkAndClose(caseId, last.dispatchId, "CGZF")
        func returned(_ department: String) -> [Entry] {
            [Entry(action: "request_return", from: "in_handling", to: "in_handling", role: "department", actor: Self.staff(department)),
             Entry(action: "approve_return", from: "in_handling", to: "awaiting_dispatch", role: "dispatcher", actor: "dispatcher-e2e")]
        }
        let redispatch = Entry(action: "dispatch", from: "awaiting_dispatch", to: "in_handling", role: "system", actor: "grid-routing")
        let middle = returned(Self.street) + [redispatch] + returned("SRHW") + [redispatch] + returned("GOV-150105")
            + [Entry(action: "require_manual_dispatch", from: "awaiting_dispatch", to: "manual_dispatch", role: "system", actor: "grid-routing"),
               Entry(action: "dispatch", from: "manual_dispatch", to: "in_handling", role: "dispatcher", actor: "dispatcher-e2e")]
        expectTimeline(closed, Self.head(Self.street) + middle + Self.tail("CGZF"))
        #expect(Set((closed.fields["returnedBy"] as? [String]) ?? []) == [Self.street, "SRHW", "GOV-150105"])
        for code in [Self.street, "SRHW", "GOV-150105"] {
            let figures = try await departmentFigures(code) { ($0["returns"] as? Int ?? 0) >= 1 }
            #expect(figures["returns"] as? Int == 1, "\(code)")
        }
        _ = try await departmentFigures("CGZF") { ($0["handled"] as? Int ?? 0) == 1 }
    }

    @Test("extension (延期): requested with a later deadline, approved by the shift leader; the department's task carries the new deadline")
    func extensionApproved() async throws {
        try await startCity()
        let (caseId, task) = try await reportUntilDispatched()
        let dept = department(Self.street)
        // A requested deadline before the current one is refused up front.
        try await post("disposal", taskPath(task.dispatchId) + "/extension",
                       ["reason": "需调用大型清运车辆", "requestedDeadline": RFC3339.format(task.deadline.addingTimeInterval(-3600))], token: dept, expect: 422)
        let wanted = task.deadline.addingTimeInterval(2 * 86_400)
        try await post("disposal", taskPath(task.dispatchId) + "/extension",
                       ["reason": "需调用大型清运车辆", "requestedDeadline": RFC3339.format(wanted)], token: dept)
        try await waitFor(caseId, "extension requested") { $0.actions.last == "request_extension" }
        // Departments never decide; the shift leader does.
        try await post("supervision", "/api/v1/cases/\(caseId)/extension-decision", ["approve": true], token: dept, expect: 403)
        try await post("supervision", "/api/v1/cases/\(caseId)/extension-decision", ["approve": true], token: shiftLeader)
        let extended = try await waitFor(caseId, "extended") { $0.actions.last == "approve_extension" }
        #expect(abs((extended.date("handlingDeadline") ?? .distantPast).timeIntervalSince(wanted)) < 1)
        let notice = try await tapped(TaskNotice.self, caseId: caseId, routingKey: "supervision.notice.\(Self.street).extension-approved")
        #expect(abs((notice.deadline ?? .distantPast).timeIntervalSince(wanted)) < 1)
        try await eventually("the task's deadline moved") {
            let (_, body) = try await get("disposal", taskPath(task.dispatchId), token: department(Self.street))
            return ((body["task"] as? [String: Any])?["deadline"] as? String).flatMap(RFC3339.parse).map { abs($0.timeIntervalSince(wanted)) < 1 } ?? false
        }
        // Past the original deadline but within the extension: no red light.
        try setClock(task.deadline.addingTimeInterval(3600))
        try await Task.sleep(for: .seconds(2))
        #expect(try await detail(caseId)?.actions.contains("mark_overdue") == false)
        try await departmentFinishes(caseId, task.dispatchId, task.departmentCode, accept: true)
        let closed = try await checkAndClose(caseId, task.dispatchId, task.departmentCode)
        let tail = Self.tail(Self.street)
        let middle = [
            Entry(action: "request_extension", from: "in_handling", to: "in_handling", role: "department", actor: Self.staff(Self.street)),
            Entry(action: "approve_extension", from: "in_handling", to: "in_handling", role: "shift_leader", actor: "leader-e2e"),
        ]
        // The warning clock restarted with the extension; past 80 % of the new span it may warn.
        let entries = closed.entries.filter { $0.action != "mark_warning" }
        #expect(entries == Self.head(Self.street) + middle + tail, "\(closed.entries)")
        let figures = try await departmentFigures(Self.street) { ($0["extensions"] as? Int ?? 0) >= 1 }
        #expect(figures["overdue"] as? Int == 0)
    }

    @Test("suspension (挂账): requested, approved, the case leaves the clocks; resumed later with a new handling deadline")
    func suspensionAndResume() async throws {
        try await startCity()
        let (caseId, task) = try await reportUntilDispatched()
        try await post("disposal", taskPath(task.dispatchId) + "/accept", ["note": "已签收"], token: department(Self.street))
        try await post("disposal", taskPath(task.dispatchId) + "/suspension", ["reason": "需市政府协调征地，短期无法处置"], token: department(Self.street))
        try await waitFor(caseId, "suspension requested") { $0.actions.last == "request_suspension" }
        try await post("supervision", "/api/v1/cases/\(caseId)/suspension-decision", ["approve": true], token: shiftLeader)
        let suspended = try await waitFor(caseId, "suspended") { $0.state == "suspended" }
        #expect(suspended.fields["clock"] == nil || suspended.fields["clock"] is NSNull)
        try await waitTask(task.dispatchId, Self.street, "suspended")
        // While hung, the case is counted as suspended and leaves the department's denominators.
        let hung = try await departmentFigures(Self.street) { ($0["suspended"] as? Int ?? 0) == 1 }
        #expect(hung["due"] as? Int == 0)
        // Two weeks pass on the city clock: a suspended case has no clock, so no lights. (The
        // reference data holds the 2026 calendar; a deadline cannot be counted into 2027 yet.)
        let resumedAt = Self.cityStart.addingTimeInterval(14 * 86_400)
        try setClock(resumedAt)
        try await Task.sleep(for: .seconds(2))
        #expect(try await detail(caseId)?.actions.contains("mark_overdue") == false)
        try await post("supervision", "/api/v1/cases/\(caseId)/resume", token: shiftLeader)
        let resumed = try await waitFor(caseId, "resumed") { $0.state == "in_handling" }
        let condition = try #require(refs.filingCondition(.event, id: "0102-01"))
        let newDeadline = try #require(resumed.date("handlingDeadline"))
        let resumeEntryAt = try #require(Self.date(resumed.timeline.last?["at"]))
        #expect(abs(newDeadline.timeIntervalSince(try refs.calendar.deadline(from: resumeEntryAt, limit: condition.limitB))) < 1)
        _ = try await tapped(TaskNotice.self, caseId: caseId, routingKey: "supervision.notice.\(Self.street).resumed")
        try await waitTask(task.dispatchId, Self.street, "accepted")
        try await departmentFinishes(caseId, task.dispatchId, task.departmentCode, accept: false)
        let closed = try await checkAndClose(caseId, task.dispatchId, task.departmentCode)
        let middle = [
            Self.tail(Self.street)[0],
            Entry(action: "request_suspension", from: "in_handling", to: "in_handling", role: "department", actor: Self.staff(Self.street)),
            Entry(action: "approve_suspension", from: "in_handling", to: "suspended", role: "shift_leader", actor: "leader-e2e"),
            Entry(action: "resume", from: "suspended", to: "in_handling", role: "shift_leader", actor: "leader-e2e"),
        ]
        expectTimeline(closed, Self.head(Self.street) + middle + Array(Self.tail(Self.street).dropFirst()))
        let after = try await departmentFigures(Self.street) { ($0["handled"] as? Int ?? 0) == 1 }
        #expect(after["suspended"] as? Int == 0)
    }

    @Test("rework (返工): the check fails, the same department gets a new task and clock, finishes again, the second check passes")
    func reworkLoop() async throws {
        try await startCity()
        let (caseId, task) = try await reportUntilDispatched()
        try await departmentFinishes(caseId, task.dispatchId, task.departmentCode)
        try setClock(Self.cityStart.addingTimeInterval(3 * 3600))
        try await post("supervision", "/api/v1/cases/\(caseId)/check", ["passed": false, "note": "垃圾仍未清运干净"], token: supervisor)
        let reworked = try await waitFor(caseId, "rework") { $0.state == "in_handling" && ($0.fields["reworkCount"] as? Int) == 1 }
        let newDispatch = try #require((reworked.fields["currentDispatchId"] as? String).flatMap(UUID.init(uuidString:)))
        #expect(newDispatch != task.dispatchId)
        #expect(reworked.fields["currentDepartment"] as? String == Self.street)
        let notice = try await tapped(TaskNotice.self, caseId: caseId, routingKey: "supervision.notice.\(Self.street).reworked")
        #expect(notice.dispatchId == newDispatch)
        let condition = try #require(refs.filingCondition(.event, id: "0102-01"))
        let reworkAt = try #require(Self.date(reworked.timeline.last?["at"]))
        #expect(abs((reworked.date("handlingDeadline") ?? .distantPast).timeIntervalSince(try refs.calendar.deadline(from: reworkAt, limit: condition.limitB))) < 1)
        // The department works the new task; the old one is finished with.
        try await eventually("rework task in the inbox") { try await taskState(newDispatch, Self.street) != nil }
        try await departmentFinishes(caseId, newDispatch, Self.street)
        let closed = try await checkAndClose(caseId, newDispatch, Self.street)
        let tail = Self.tail(Self.street)
        let failed = Entry(action: "check_failed", from: "awaiting_check", to: "in_handling", role: "supervisor", actor: "sup-e2e")
        expectTimeline(closed, Self.head(Self.street) + Array(tail.prefix(3)) + [failed] + tail)
        let figures = try await departmentFigures(Self.street) { ($0["reworks"] as? Int ?? 0) >= 1 }
        #expect(figures["reworks"] as? Int == 1)
    }

    @Test("self-handled (自行处置): before/after photos, the review clock, the shift leader approves → closed; a rejected one is voided")
    func selfHandled() async throws {
        try await startCity()
        // The supervisor's app declares which photo is which; intake refuses a self-handled report without an after photo.
        try await post("intake", "/api/v1/reports", ["channel": "supervisor", "kind": "event", "classCode": "0102", "selfHandled": true,
                                                     "location": ["longitude": 111.6983394, "latitude": 40.8169077], "description": "垃圾已清",
                                                     "photos": [["url": "https://photos.example/before.jpg", "purpose": "before"]]],
                       token: supervisor, expect: 422)
        let (approvedId, _) = try await reportGarbage(extra: ["selfHandled": true, "photos": [
            ["url": "https://photos.example/before.jpg", "purpose": "before"], ["url": "https://photos.example/after.jpg", "purpose": "after"]]])
        let pending = try await waitFor(approvedId, "awaiting review") { $0.state == "self_handled_pending" }
        #expect((pending.fields["clock"] as? [String: Any])?["stage"] as? String == "review")
        try await post("supervision", "/api/v1/cases/\(approvedId)/approve-self-handled", token: supervisor, expect: 403)
        try await post("supervision", "/api/v1/cases/\(approvedId)/approve-self-handled", token: shiftLeader)
        let closed = try await waitFor(approvedId, "closed") { $0.state == "closed" }
        expectTimeline(closed, [
            Entry(action: "report_self_handled", from: nil, to: "self_handled_pending", role: "supervisor", actor: "sup-e2e"),
            Entry(action: "approve_self_handled", from: "self_handled_pending", to: "closed", role: "shift_leader", actor: "leader-e2e"),
        ])
        // A second one is left unreviewed past its review limit: red light; then rejected → voided.
        let (rejectedId, _) = try await reportGarbage(extra: ["selfHandled": true, "photos": [
            ["url": "https://photos.example/a2.jpg", "purpose": "after"], ["url": "https://photos.example/b2.jpg", "purpose": "before"]]])
        let review = try await waitFor(rejectedId, "awaiting review") { $0.state == "self_handled_pending" }
        let reviewDeadline = try #require(Self.date((review.fields["clock"] as? [String: Any])?["deadline"]))
        try setClock(reviewDeadline.addingTimeInterval(60))
        try await waitFor(rejectedId, "review overdue") { $0.actions.contains("mark_overdue") }
        try await post("supervision", "/api/v1/cases/\(rejectedId)/reject-self-handled", ["reason": "处置后照片不能说明问题已解决"], token: shiftLeader)
        let voided = try await waitFor(rejectedId, "voided") { $0.state == "voided" }
        #expect(voided.actions == ["report_self_handled", "mark_warning", "mark_overdue", "reject_self_handled"])
    }

    @Test("handled at intake (当即办理); a public report refuted on site → voided, confirmed → filed and dispatched; voided as a duplicate")
    func shortPaths() async throws {
        try await startCity()
        let hotline = token(.acceptor, sub: "hotline-e2e")
        func hotlineReport(_ extra: [String: Any] = [:]) async throws -> String {
            var body: [String: Any] = ["channel": "hotline_12345", "channelReference": "12345-\(UUID().uuidString.prefix(8))",
                                       "kind": "event", "classCode": "0102", "address": "赛罕区大学东街",
                                       "location": ["longitude": 111.6983394, "latitude": 40.8169077],
                                       "description": "市民来电：路边垃圾堆放", "reporterContact": "138****0000"]
            for (k, v) in extra { body[k] = v }
            return try #require(try await post("intake", "/api/v1/reports", body, token: hotline, expect: 201)["caseId"] as? String)
        }
        // 当即办理: the agent answered the caller on the spot.
        let atOnce = try await hotlineReport(["handledAtIntake": true, "description": "市民咨询垃圾清运时间，已当场答复"])
        let handled = try await waitFor(atOnce, "closed at intake") { $0.state == "closed" }
        #expect(handled.entries.map(\.action) == ["report", "handle_at_intake"])
        #expect(handled.entries.last?.role == "acceptor")

        // A public report waits for verification on site; refuted → voided.
        let refuted = try await hotlineReport()
        try await waitFor(refuted, "awaiting verification") { $0.state == "awaiting_verify" }
        try await post("supervision", "/api/v1/cases/\(refuted)/verification", ["result": "refuted", "note": "现场未发现垃圾"], token: supervisor)
        let voidedOnSite = try await waitFor(refuted, "voided") { $0.state == "voided" }
        #expect(voidedOnSite.actions == ["report", "locate", "request_verification", "verification_refuted"])

        // Confirmed → filed → dispatched: the verification path joins the main path.
        let confirmed = try await hotlineReport()
        try await waitFor(confirmed, "awaiting verification") { $0.state == "awaiting_verify" }
        try await post("supervision", "/api/v1/cases/\(confirmed)/verification", ["result": "confirmed"], token: supervisor)
        let dispatched = try await waitFor(confirmed, "dispatched") { $0.state == "in_handling" }
        #expect(dispatched.actions == ["report", "locate", "request_verification", "verification_confirmed", "file", "dispatch"])
        // The shift leader voids it as a duplicate of the case handled at intake: the department's task is withdrawn.
        let dispatch = try await tapped(TaskDispatched.self, caseId: confirmed)
        try await post("supervision", "/api/v1/cases/\(confirmed)/void", ["reason": "与已办结案件重复", "duplicateOf": atOnce], token: shiftLeader)
        let voided = try await waitFor(confirmed, "voided as duplicate") { $0.state == "voided" }
        #expect((voided.fields["duplicateOf"] as? String)?.lowercased() == atOnce)
        try await waitTask(dispatch.dispatchId, dispatch.departmentCode, "voided")
        // The dead end stays dead: a voided case takes no more commands.
        try await post("supervision", "/api/v1/cases/\(confirmed)/close", token: shiftLeader, expect: 409)
    }
}
