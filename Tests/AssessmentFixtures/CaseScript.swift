import AssessmentService
import CityGridModel
import Foundation

/// Builds one case's event stream for tests, one transition at a time (sequence numbers follow).
struct CaseScript {
    let id: UUID
    var meta: CaseMeta
    var events: [CaseEvent] = []
    var duplicateLinks = 0
    /// Assignments of the case's field tasks (RosterMonth).
    var assignments: [FieldAssignment] = []
    /// The running handling deadline and department, so `complete` stops the right clock.
    var handlingDeadline: Date?
    var department: String?

    init(id: UUID = UUID(), grid: String, kind: ClassKind = .component, classCode: String = "0101",
         channel: ReportChannel = .supervisor, component: String? = nil) {
        self.id = id
        meta = CaseMeta(caseNumber: "T-\(id.uuidString.prefix(8))", channel: channel, kind: kind, classCode: classCode,
                        gridCode: grid, componentCode: component)
    }

    var history: CaseHistory {
        CaseHistory(caseId: id, meta: meta, events: events, duplicateLinks: duplicateLinks, assignments: assignments)
    }

    mutating func add(_ action: CaseAction, _ at: Date, to: CaseState, actor: String, role: Role, department: String? = nil,
                              stopped: (StageClock.Stage, Date?)? = nil, started: (StageClock.Stage, Date?)? = nil,
                              detailDeadline: Date? = nil, returnedBy: String? = nil, verdict: ReturnVisitVerdict? = nil) {
        events.append(CaseEvent(
            caseId: id, sequence: events.count + 1, action: action, at: at, to: to, actorId: actor, actorRole: role,
            department: department ?? self.department, stoppedStage: stopped?.0, stoppedDeadline: stopped?.1,
            startedStage: started?.0, startedDeadline: started?.1, detailDeadline: detailDeadline, returnedBy: returnedBy,
            verdict: verdict))
    }

    func report(_ at: Date, by actor: String, role: Role = .supervisor) -> Self {
        var s = self
        s.add(.report, at, to: .reported, actor: actor, role: role, started: (.accept, at.addingTimeInterval(3600)))
        return s
    }
    func accept(_ at: Date, by actor: String, deadline: Date) -> Self {
        var s = self
        s.add(.accept, at, to: .awaitingFile, actor: actor, role: .acceptor, stopped: (.accept, deadline))
        return s
    }
    func requestVerification(_ at: Date, by actor: String, deadline: Date) -> Self {
        var s = self
        s.add(.requestVerification, at, to: .awaitingVerify, actor: actor, role: .acceptor, stopped: (.accept, deadline))
        return s
    }
    func verify(_ at: Date, by actor: String, deadline: Date, confirmed: Bool = true) -> Self {
        var s = self
        s.add(confirmed ? .verificationConfirmed : .verificationRefuted, at, to: confirmed ? .awaitingFile : .voided, actor: actor,
            role: .supervisor, stopped: (.verify, deadline))
        return s
    }
    func file(_ at: Date) -> Self {
        var s = self
        s.add(.file, at, to: .awaitingDispatch, actor: "leader", role: .shiftLeader)
        return s
    }
    func void(_ at: Date) -> Self {
        var s = self
        s.add(.void, at, to: .voided, actor: "leader", role: .shiftLeader)
        return s
    }
    func dispatch(_ at: Date, to dept: String, deadline: Date, by dispatcher: String = "p2", dispatchDeadline: Date? = nil) -> Self {
        var s = self
        s.department = dept
        s.handlingDeadline = deadline
        s.add(.dispatch, at, to: .inHandling, actor: dispatcher, role: .dispatcher, department: dept,
            stopped: (.dispatch, dispatchDeadline ?? at.addingTimeInterval(3600)), started: (.handle, deadline))
        return s
    }
    func complete(_ at: Date) -> Self {
        var s = self
        s.add(.complete, at, to: .awaitingCheck, actor: "staff", role: .department, stopped: (.handle, handlingDeadline))
        return s
    }
    func requestCheck(_ at: Date, by actor: String = "a1", deadline: Date) -> Self {
        var s = self
        s.add(.requestCheck, at, to: .awaitingCheck, actor: actor, role: .acceptor, stopped: (.sendCheck, deadline))
        return s
    }
    func checkPassed(_ at: Date, by actor: String = "s2", deadline: Date) -> Self {
        var s = self
        s.add(.checkPassed, at, to: .awaitingClose, actor: actor, role: .supervisor, stopped: (.check, deadline))
        return s
    }
    func checkFailed(_ at: Date, by actor: String = "s2", deadline: Date, newDeadline: Date) -> Self {
        var s = self
        s.handlingDeadline = newDeadline
        s.add(.checkFailed, at, to: .inHandling, actor: actor, role: .supervisor, stopped: (.check, deadline), started: (.handle, newDeadline))
        return s
    }
    func close(_ at: Date) -> Self {
        var s = self
        s.add(.close, at, to: .closed, actor: "leader", role: .shiftLeader, stopped: (.close, at.addingTimeInterval(3600)))
        return s
    }
    func approveReturn(_ at: Date) -> Self {
        var s = self
        let from = department
        s.add(.approveReturn, at, to: .awaitingDispatch, actor: "p1", role: .dispatcher, stopped: (.handle, handlingDeadline),
            started: (.dispatch, at.addingTimeInterval(3600)), returnedBy: from)
        s.department = nil
        s.handlingDeadline = nil
        return s
    }
    func approveExtension(_ at: Date, to deadline: Date) -> Self {
        var s = self
        s.handlingDeadline = deadline
        s.add(.approveExtension, at, to: .inHandling, actor: "leader", role: .shiftLeader, detailDeadline: deadline)
        return s
    }
    func approveSuspension(_ at: Date) -> Self {
        var s = self
        s.add(.approveSuspension, at, to: .suspended, actor: "leader", role: .shiftLeader, stopped: (.handle, handlingDeadline))
        return s
    }
    func resume(_ at: Date, deadline: Date) -> Self {
        var s = self
        s.handlingDeadline = deadline
        s.add(.resume, at, to: .inHandling, actor: "leader", role: .shiftLeader, started: (.handle, deadline))
        return s
    }
    /// 回访 on the closed case (by the hotline).
    func visit(_ at: Date, _ verdict: ReturnVisitVerdict) -> Self {
        var s = self
        s.add(.returnVisit, at, to: .closed, actor: "hotline_12345", role: .system, verdict: verdict)
        return s
    }
    /// 重办: back to the same department with a new handling clock.
    func reopen(_ at: Date, deadline: Date) -> Self {
        var s = self
        s.handlingDeadline = deadline
        s.add(.reopen, at, to: .inHandling, actor: "return-visit-policy", role: .system, started: (.handle, deadline))
        return s
    }
}

/// `2026-11-<day> <hour>:00` city time (UTC+8).
func nov(_ day: Int, _ hour: Int = 10) -> Date { cityTime(2026, 11, day, hour) }
func oct(_ day: Int, _ hour: Int = 10) -> Date { cityTime(2026, 10, day, hour) }
func dec(_ day: Int, _ hour: Int = 10) -> Date { cityTime(2026, 12, day, hour) }

func cityTime(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ minute: Int = 0, _ second: Int = 0) -> Date {
    Period.calendar.date(from: DateComponents(year: y, month: m, day: d, hour: h, minute: minute, second: second))!
}
