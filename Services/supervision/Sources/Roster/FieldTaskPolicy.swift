import CityGridModel
import Foundation

/// An open field task as the assignment policy sees it.
public struct FieldTaskState: Sendable, Hashable {
    public var taskId: UUID
    public var kind: FieldTaskKind
    public var gridCode: String?
    /// The supervisor holding it; `nil`: the shift leader's queue.
    public var holder: String?
    /// Why the holder got it (a hand-made assignment is not taken back for being off roster).
    public var reason: FieldTaskAssignmentReason
    public var dueAt: Date?
    /// The request's own deadline (the verify or check stage clock).
    public var stageDeadline: Date?
    /// Everyone who held it, the current holder included.
    public var holders: [String]

    public init(taskId: UUID, kind: FieldTaskKind, gridCode: String?, holder: String?, reason: FieldTaskAssignmentReason, dueAt: Date?,
                stageDeadline: Date?, holders: [String]) {
        self.taskId = taskId
        self.kind = kind
        self.gridCode = gridCode
        self.holder = holder
        self.reason = reason
        self.dueAt = dueAt
        self.stageDeadline = stageDeadline
        self.holders = holders
    }
}

/// Who a field task goes to: a supervisor on one shift run, or the shift leader's queue.
public struct FieldTaskTarget: Sendable, Hashable {
    /// `nil`: the shift leader's queue.
    public var supervisorId: String?
    public var shift: String?
    public var shiftDay: CivilDate?
    public var shiftEnd: Date?

    public static let queue = FieldTaskTarget(supervisorId: nil, shift: nil, shiftDay: nil, shiftEnd: nil)

    public init(supervisorId: String?, shift: String?, shiftDay: CivilDate?, shiftEnd: Date?) {
        self.supervisorId = supervisorId
        self.shift = shift
        self.shiftDay = shiftDay
        self.shiftEnd = shiftEnd
    }

    init(_ duty: OnDuty?) {
        self.init(supervisorId: duty?.supervisorId, shift: duty?.run.shift, shiftDay: duty?.run.day, shiftEnd: duty?.run.end)
    }
}

/// Where verification and check tasks go, and when they move on (pure: the roster and the instant
/// decide). The one owner of the rule "the supervisor on duty for the grid, with a clock; off duty
/// or overdue, the covering supervisor or the shift leader's queue":
///
/// * A new task goes to the first supervisor on duty for the case's grid (primaries before
///   covers, ``GridRoster/onDuty(gridCode:at:)``), due by the request's own deadline; with nobody
///   on duty (or no grid) it waits in the shift leader's queue.
/// * A holder who is no longer on duty for the grid (their shift or roster row ended) hands it on
///   (`off_duty`); a holder whose due time has passed loses it (`overdue`). It goes to the first
///   supervisor on duty who has not held it yet — the next shift's primary, or the cover — else to
///   the queue. A task the shift leader gave by hand stays with its holder until it is due,
///   on the roster or not.
/// * A task in the queue goes to the first supervisor who comes on duty for the grid and has not
///   held it yet (`on_duty`); otherwise it waits for the shift leader.
///
/// A reassigned holder gets a fresh clock: the later of the request's deadline and the stage's
/// limit counted from the reassignment (counted by the caller, on the working calendar).
public enum FieldTaskPolicy {
    /// The actor of the policy's own assignments.
    public static let actor = "field-task-policy"

    /// The first holder of a task requested at `instant`.
    public static func first(gridCode: String?, at instant: Date, roster: GridRoster) -> FieldTaskTarget {
        guard let gridCode else { return .queue }
        return FieldTaskTarget(roster.firstOnDuty(gridCode: gridCode, at: instant))
    }

    /// A move the policy makes.
    public struct Move: Sendable, Hashable {
        public var target: FieldTaskTarget
        public var reason: FieldTaskAssignmentReason
    }

    /// What should happen to an open task at `now`: `nil` to leave it where it is.
    public static func review(_ task: FieldTaskState, roster: GridRoster, now: Date) -> Move? {
        guard let grid = task.gridCode else { return nil }
        let held = Set(task.holders)
        guard let holder = task.holder else {
            // The queue: the first supervisor to come on duty for the grid who has not held it.
            guard let duty = roster.firstOnDuty(gridCode: grid, at: now, excluding: held) else { return nil }
            return Move(target: FieldTaskTarget(duty), reason: .onDuty)
        }
        let reason: FieldTaskAssignmentReason
        if task.reason != .manual, roster.duty(of: holder, gridCode: grid, at: now) == nil {
            reason = .offDuty
        } else if let due = task.dueAt, due < now {
            reason = .overdue
        } else {
            return nil
        }
        return Move(target: FieldTaskTarget(roster.firstOnDuty(gridCode: grid, at: now, excluding: held)), reason: reason)
    }

    /// The due time of a holder who gets the task after it was requested: the later of the
    /// request's deadline and `fresh` (the stage's limit counted from the reassignment). The
    /// queue has none: nobody there can be late.
    public static func due(for target: FieldTaskTarget, stageDeadline: Date?, fresh: Date?) -> Date? {
        guard target.supervisorId != nil else { return nil }
        switch (stageDeadline, fresh) {
        case let (a?, b?): return max(a, b)
        case let (a, b): return a ?? b
        }
    }
}
