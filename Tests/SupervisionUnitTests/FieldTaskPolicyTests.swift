import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import SupervisionService
import TestSupport
import Testing

/// Where field tasks go and when they move on (FieldTaskPolicy, pure), the phone's input rules,
/// the workload tally, and the phone and roster routes' doors in process.
@Suite("Field tasks: the assignment policy")
struct FieldTaskPolicyTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    static let g1 = "150102001001001", g2 = "150102001001002", g3 = "150103001001001"

    /// The roster of RosterMonth (Tests/AssessmentFixtures): street 150102001 early sup-a (cover sup-c), late sup-b;
    /// grid G3 early sup-c, late sup-d.
    static let roster: GridRoster = try! GridRoster.parse(
        shifts: """
            code,name,start,end,weekdays,source
            early,早班,07:30,15:00,1234567,demo
            late,晚班,15:00,22:30,1234567,demo
            """,
        roster: """
            id,supervisor_id,supervisor_name,area_code,shift,duty,valid_from,valid_to,source
            R1,sup-a,,150102001,early,primary,2026-01-01,,demo
            R2,sup-b,,150102001,late,primary,2026-01-01,,demo
            R3,sup-c,,150102001,early,cover,2026-01-01,,demo
            R4,sup-c,,150103001001001,early,primary,2026-01-01,,demo
            R5,sup-d,,150103001001001,late,primary,2026-01-01,,demo
            """,
        version: "t", timeZone: zone, areaCodes: ["150102001", g1, g2, g3]).get()

    static func t(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: 2026, month: 11, day: day, hour: hour, minute: minute))!
    }

    func task(_ grid: String?, holder: String?, due: Date?, held: [String], reason: FieldTaskAssignmentReason = .requested) -> FieldTaskState {
        FieldTaskState(taskId: UUID(), kind: .verification, gridCode: grid, holder: holder, reason: reason, dueAt: due, stageDeadline: due,
                       holders: held)
    }

    @Test("a new task goes to the supervisor on duty for the grid; with nobody on duty, or no grid, to the queue")
    func first() {
        #expect(FieldTaskPolicy.first(gridCode: Self.g1, at: Self.t(4, 14, 35), roster: Self.roster).supervisorId == "sup-a")
        let late = FieldTaskPolicy.first(gridCode: Self.g1, at: Self.t(4, 16), roster: Self.roster)
        #expect(late.supervisorId == "sup-b" && late.shift == "late" && late.shiftEnd == Self.t(4, 22, 30))
        #expect(FieldTaskPolicy.first(gridCode: Self.g3, at: Self.t(4, 10), roster: Self.roster).supervisorId == "sup-c")
        #expect(FieldTaskPolicy.first(gridCode: Self.g1, at: Self.t(4, 23), roster: Self.roster) == .queue)
        #expect(FieldTaskPolicy.first(gridCode: nil, at: Self.t(4, 10), roster: Self.roster) == .queue)
    }

    @Test("after the shift ends unanswered: the late shift's primary (k3 of the roster month)")
    func offDuty() throws {
        let open = task(Self.g1, holder: "sup-a", due: Self.t(4, 15, 35), held: ["sup-a"])
        #expect(FieldTaskPolicy.review(open, roster: Self.roster, now: Self.t(4, 14, 59)) == nil, "still on duty and not yet due")
        let move = try #require(FieldTaskPolicy.review(open, roster: Self.roster, now: Self.t(4, 15)))
        #expect(move.reason == .offDuty && move.target.supervisorId == "sup-b" && move.target.shift == "late")
        // Due: the later of the request's deadline (15:35) and the stage's limit counted from the move (16:00).
        #expect(FieldTaskPolicy.due(for: move.target, stageDeadline: Self.t(4, 15, 35), fresh: Self.t(4, 16)) == Self.t(4, 16))
    }

    @Test("overdue: the cover, then the queue; from the queue to whoever comes on duty and has not held it (k4, k7)")
    func overdueAndQueue() throws {
        // k7: sup-b's shift ends at 22:30 → nobody else on duty → the queue.
        let k7 = task(Self.g1, holder: "sup-b", due: Self.t(19, 9), held: ["sup-b"])
        let night = try #require(FieldTaskPolicy.review(k7, roster: Self.roster, now: Self.t(18, 22, 30)))
        #expect(night.reason == .offDuty && night.target == .queue)
        #expect(FieldTaskPolicy.due(for: night.target, stageDeadline: Self.t(19, 9), fresh: nil) == nil, "nobody in the queue can be late")
        // In the queue overnight: nothing moves until someone comes on duty.
        let queued = task(Self.g1, holder: nil, due: nil, held: ["sup-b"], reason: .offDuty)
        #expect(FieldTaskPolicy.review(queued, roster: Self.roster, now: Self.t(19, 3)) == nil)
        let morning = try #require(FieldTaskPolicy.review(queued, roster: Self.roster, now: Self.t(19, 7, 30)))
        #expect(morning.reason == .onDuty && morning.target.supervisorId == "sup-a")
        // sup-a lets it pass 09:00 → the early cover (sup-a and sup-b held it).
        let withA = task(Self.g1, holder: "sup-a", due: Self.t(19, 9), held: ["sup-b", "sup-a"], reason: .onDuty)
        #expect(FieldTaskPolicy.review(withA, roster: Self.roster, now: Self.t(19, 9)) == nil, "due at 09:00 is not yet late at 09:00")
        let overdue = try #require(FieldTaskPolicy.review(withA, roster: Self.roster, now: Self.t(19, 9, 1)))
        #expect(overdue.reason == .overdue && overdue.target.supervisorId == "sup-c")
        // Everyone on duty has held it → the queue, and the queue then waits for the shift leader.
        let all = task(Self.g1, holder: "sup-c", due: Self.t(19, 10), held: ["sup-b", "sup-a", "sup-c"], reason: .overdue)
        let last = try #require(FieldTaskPolicy.review(all, roster: Self.roster, now: Self.t(19, 10, 1)))
        #expect(last.target == .queue && last.reason == .overdue)
        let waiting = task(Self.g1, holder: nil, due: nil, held: ["sup-b", "sup-a", "sup-c"], reason: .overdue)
        #expect(FieldTaskPolicy.review(waiting, roster: Self.roster, now: Self.t(19, 11)) == nil)
        // k4: overdue on the late shift with no late cover → straight to the queue.
        let k4 = task(Self.g2, holder: "sup-b", due: Self.t(10, 17, 5), held: ["sup-b"])
        #expect(FieldTaskPolicy.review(k4, roster: Self.roster, now: Self.t(10, 17, 6))?.target == .queue)
    }

    @Test("a task given by hand stays with its holder, on the roster or not, until it is due")
    func manual() {
        let byHand = task(Self.g1, holder: "sup-x", due: Self.t(4, 11), held: ["sup-a", "sup-x"], reason: .manual)
        #expect(FieldTaskPolicy.review(byHand, roster: Self.roster, now: Self.t(4, 10)) == nil)
        #expect(FieldTaskPolicy.review(byHand, roster: Self.roster, now: Self.t(4, 11, 1))?.reason == .overdue)
        #expect(FieldTaskPolicy.review(byHand, roster: Self.roster, now: Self.t(4, 11, 1))?.target.supervisorId == "sup-c")
    }

    @Test("a roster row ended today takes the task from its holder at once")
    func rowEnded() throws {
        let ended = Self.roster.applying([.end(assignmentId: "R1", day: CivilDate(year: 2026, month: 11, day: 4)!)])
        let open = task(Self.g1, holder: "sup-a", due: Self.t(4, 11), held: ["sup-a"])
        let move = try #require(FieldTaskPolicy.review(open, roster: ended, now: Self.t(4, 10)))
        #expect(move.reason == .offDuty && move.target.supervisorId == "sup-c")
    }

    @Test("workload: per shift and supervisor, the queue apart")
    func workload() {
        let day = CivilDate(year: 2026, month: 11, day: 4)!
        func row(_ seq: Int, _ who: String?, _ shift: String?, _ outcome: String?, onTime: Bool? = nil, kind: FieldTaskKind = .verification) -> FieldAssignmentRow {
            FieldAssignmentRow(taskId: UUID(), seq: seq, supervisorId: who, shift: shift, shiftDay: day, assignedAt: Self.t(4, 9), dueAt: nil,
                               reason: "requested", assignedBy: "field-task-policy", endedAt: nil, outcome: outcome, answeredOnTime: onTime,
                               caseId: UUID(), kind: kind)
        }
        let tally = Workload.tally([row(1, "sup-a", "early", "answered", onTime: true), row(1, "sup-a", "early", "reassigned"),
                                    row(2, "sup-b", "late", "answered", onTime: false, kind: .check), row(1, "sup-c", "early", nil),
                                    row(2, nil, nil, nil)], shifts: Self.roster.shifts)
        #expect(tally.map(\.shift) == ["early", "late", nil])
        let early = tally[0]
        #expect(early.counts.assigned == 3 && early.counts.answered == 1 && early.counts.answeredOnTime == 1 && early.counts.handedOver == 1
                && early.counts.open == 1)
        #expect(early.supervisors.map(\.supervisorId) == ["sup-a", "sup-c"])
        #expect(early.supervisors[0].counts.assigned == 2)
        #expect(tally[1].counts.checks == 1 && tally[1].counts.answeredOnTime == 0)
        #expect(tally[2].counts.queued == 1 && tally[2].counts.assigned == 0)
    }
}

@Suite("The supervisor's phone: input rules and doors")
struct PhoneRulesTests {
    static let position = FieldPosition(longitude: 111.68, latitude: 40.83, accuracyMeters: 8)

    @Test("every problem of a verification at once: id, result, position, photos and their purposes")
    func verificationProblems() {
        let bad = FieldVerification(clientId: "", caseId: "", result: "maybe", note: nil,
                                    position: FieldPosition(longitude: 200, latitude: .nan, accuracyMeters: 0),
                                    photos: [Photo(url: "ftp://x/1.jpg", purpose: .verification), Photo(url: "https://img.example/2.jpg", purpose: .check)],
                                    capturedAt: nil)
        #expect(Set(PhoneRules.problems(bad).map(\.field)) == ["clientId", "caseId", "result", "position.longitude", "position.latitude",
                                                               "position.accuracyMeters", "photos[0].url", "photos[1].purpose"])
        let good = FieldVerification(clientId: "0f6c2d1e-phone:17", caseId: "20261125-0001", result: "confirmed", note: "属实",
                                     position: Self.position, photos: [Photo(url: "https://img.example/v.jpg", purpose: .verification)],
                                     capturedAt: Date())
        #expect(PhoneRules.problems(good).isEmpty)
    }

    @Test("a report needs somewhere: a position, an address or a component; photos of report purposes only")
    func reportProblems() {
        var report = FieldReport(clientId: "c-1", kind: .event, classCode: "0502", description: "流动摊贩", position: nil, address: nil,
                                 photos: [Photo(url: "https://img.example/1.jpg", purpose: .completion)])
        #expect(Set(PhoneRules.problems(report).map(\.field)) == ["position", "photos[0].purpose"])
        report.address = "新华大街 12 号"
        report.photos = [Photo(url: "https://img.example/1.jpg", purpose: .before), Photo(url: "https://img.example/2.jpg", purpose: .after)]
        #expect(PhoneRules.problems(report).isEmpty)
    }

    @Test("a check's position and photos go on its timeline entry")
    func details() {
        let details = PhoneRules.details(position: Self.position, capturedAt: RFC3339.parse("2026-11-25T02:00:00Z"), clientId: "c-9",
                                         photos: [Photo(url: "https://img.example/a b.jpg", purpose: .check)], key: .checkPhotos)
        #expect(details == ["gps_position": "111.68 40.83", "gps_accuracy_m": "8.0", "captured_at": "2026-11-25T02:00:00.000Z",
                            "client_id": "c-9", "check_photos": "https://img.example/a%20b.jpg"])
    }

    let routes: InProcessRoutes
    let phone: PhoneRoutes
    let roster: RosterRoutes

    init() throws {
        routes = try InProcessRoutes(service: "supervision")
        let refs = try InProcessRoutes.reference()
        let desk = FieldTaskDesk(baseRoster: try GridRoster.load(from: URL(fileURLWithPath: InProcessRoutes.referenceDataPath), refs: refs))
        let engine = CaseEngine(refs: refs, fieldTasks: desk)
        phone = PhoneRoutes(env: routes.env, engine: engine, desk: desk, intake: IntakeForwarder(baseURL: URL(string: "http://127.0.0.1:9")!))
        roster = RosterRoutes(env: routes.env, engine: engine, desk: desk)
    }

    func add(_ router: ServiceRouter) {
        phone.register(router)
        roster.register(router)
    }

    @Test("the phone's routes are the supervisors': a token first, then the role, then the body")
    func doors() async throws {
        try await routes.test(add) { client in
            for path in ["/api/v1/field/reports", "/api/v1/field/verifications", "/api/v1/field/checks"] {
                #expect(try await client.send(.post, path, json: "{").status == .unauthorized, "\(path)")
                let leader = try await client.send(.post, path, headers: routes.bearer(.shiftLeader), json: "{}")
                #expect(leader.status == .forbidden, "\(path)")
                let broken = try await client.send(.post, path, headers: routes.bearer(.supervisor, sub: "sup-001"), json: "{")
                #expect(broken.status == .unprocessableContent, "\(path)")
            }
            #expect(try await client.send(.get, "/api/v1/field/tasks", headers: routes.bearer(.acceptor)).status == .forbidden)
            let missing = try await client.send(.post, "/api/v1/field/verifications", headers: routes.bearer(.supervisor, sub: "sup-001"), json: """
                {"clientId": "c-1", "caseId": "20261125-0001", "result": "confirmed", "photos": []}
                """)
            #expect(missing.status == .unprocessableContent)
            #expect(try ErrorBody(missing).fields == ["position"])
            let wrong = try await client.send(.post, "/api/v1/field/checks", headers: routes.bearer(.supervisor, sub: "sup-001"), json: """
                {"clientId": "c 1", "caseId": "20261125-0001", "passed": true, "photos": [{"url": "https://img.example/c.jpg", "purpose": "report"}],
                 "position": {"longitude": 111.68, "latitude": 40.83, "accuracyMeters": 9000}}
                """)
            #expect(Set(try ErrorBody(wrong).fields) == ["clientId", "photos[0].purpose", "position.accuracyMeters"])
        }
    }

    @Test("roster changes are the shift leader's and the administrator's; their bodies are checked before the store")
    func rosterDoors() async throws {
        try await routes.test(add) { client in
            let body = #"{"supervisorId": "sup-9", "areaCode": "150102001", "shift": "early", "duty": "primary", "validFrom": "2026-13-01"}"#
            #expect(try await client.send(.post, "/api/v1/roster/assignments", json: body).status == .unauthorized)
            #expect(try await client.send(.post, "/api/v1/roster/assignments", headers: routes.bearer(.supervisor), json: body).status == .forbidden)
            let bad = try await client.send(.post, "/api/v1/roster/assignments", headers: routes.bearer(.shiftLeader), json: body)
            #expect(bad.status == .unprocessableContent)
            #expect(try ErrorBody(bad).fields == ["validFrom"])
            let scoped = try await client.send(.post, "/api/v1/roster/assignments", headers: routes.bearer(.admin, "district:150105"),
                                               json: #"{"supervisorId": "sup-9", "areaCode": "150102001", "shift": "early", "duty": "cover", "validFrom": "2026-12-01"}"#)
            #expect(try ErrorBody(scoped).fields == ["areaCode"])
            let duty = try await client.send(.post, "/api/v1/roster/assignments", headers: routes.bearer(.admin),
                                             json: #"{"supervisorId": "sup-9", "areaCode": "150102001", "shift": "early", "duty": "boss", "validFrom": "2026-12-01"}"#)
            #expect(try ErrorBody(duty).fields == ["duty"])
            #expect(try await client.send(.get, "/api/v1/roster", headers: routes.bearer(.department, "department:SZGY")).status == .forbidden)
            let grid = try await client.send(.get, "/api/v1/roster/on-duty?grid=123", headers: routes.bearer(.acceptor))
            #expect(try ErrorBody(grid).fields == ["grid"])
            let assign = try await client.send(.post, "/api/v1/field-tasks/\(UUID())/assign", headers: routes.bearer(.acceptor),
                                               json: #"{"supervisorId": "sup-1"}"#)
            #expect(assign.status == .forbidden, "only the shift leader assigns by hand")
        }
    }
}
