import CityGridModel
import Foundation

/// Who is charged with which field task (核实 / 核查), and whether on time: the supervisors'
/// 应核实数 / 按时核实数 and 应核查数 / 按时核查数 from the tasks really given to them (pure).
///
/// A task goes through assignments (supervision's roster and shift leader decide, one
/// `FieldTaskAssigned` each). Each assignment to a supervisor is judged on its own:
///
/// * **answered while held** — the task's answer (the first `verification_*` / `check_*` entry
///   after the request) came while this was the current assignment: charged, on time when it came
///   at or before the assignment's due time, and counted at the answer (or at the due time, when
///   that passed first);
/// * **held past its due** — the due time passed while the supervisor still held it, unanswered:
///   charged, late, counted at the due time (whether it was answered later, passed on, or is
///   still open);
/// * **passed on before its due** — their shift ended, the shift leader moved it, a colleague
///   took it over, or the case moved on without an answer, all before it was due: not charged.
///
/// Assignments to the shift leader's queue charge nobody. An answer on a task with no recorded
/// assignment (cases from before the roster) is charged to whoever answered, on the stage clock it
/// stopped, as before.
public enum FieldTaskJudgement {
    public struct Charge: Sendable, Hashable {
        public var supervisorId: String
        public var kind: FieldTaskKind
        /// When the charge falls due: the answer, or the due time if that passed first.
        public var instant: Date
        public var onTime: Bool

        public init(supervisorId: String, kind: FieldTaskKind, instant: Date, onTime: Bool) {
            self.supervisorId = supervisorId
            self.kind = kind
            self.instant = instant
            self.onTime = onTime
        }
    }

    /// The charges of one case, from its events and assignments (as stored up to the period end).
    /// `endedAt` is the case's end, which closes a task left unanswered.
    public static func charges(events: [CaseEvent], assignments: [FieldAssignment], endedAt: Date?) -> [Charge] {
        var charges: [Charge] = []
        let tasks = Dictionary(grouping: assignments, by: \.taskId).values.map { $0.sorted { $0.sequence < $1.sequence } }
        // Request sequences of each kind, to tell one check round's answer from the next one's.
        var requests: [FieldTaskKind: [Int]] = [:]
        for task in tasks { if let first = task.first { requests[first.kind, default: []].append(first.requestSequence) } }
        for kind in requests.keys { requests[kind]?.sort() }
        func answer(kind: FieldTaskKind, after request: Int) -> CaseEvent? {
            let next = requests[kind]?.first { $0 > request } ?? Int.max
            return events.first { FieldTaskKind.answered(by: $0.action) == kind && $0.sequence > request && $0.sequence < next }
        }
        var answered: Set<Int> = []
        for task in tasks {
            guard let first = task.first else { continue }
            let reply = answer(kind: first.kind, after: first.requestSequence)
            if let reply { answered.insert(reply.sequence) }
            for (i, assignment) in task.enumerated() {
                guard let supervisor = assignment.supervisorId else { continue }
                let next = i + 1 < task.count ? task[i + 1] : nil
                if next == nil, let reply {
                    let onTime = assignment.dueAt.map { reply.at <= $0 } ?? true
                    charges.append(Charge(supervisorId: supervisor, kind: first.kind, instant: onTime ? reply.at : (assignment.dueAt ?? reply.at),
                                          onTime: onTime))
                    continue
                }
                let heldUntil = next?.assignedAt ?? endedAt
                if let due = assignment.dueAt, heldUntil.map({ due < $0 }) ?? true {
                    charges.append(Charge(supervisorId: supervisor, kind: first.kind, instant: due, onTime: false))
                }
            }
        }
        // Answers no recorded task accounts for.
        for e in events where !answered.contains(e.sequence) {
            guard let kind = FieldTaskKind.answered(by: e.action), requests[kind]?.contains(where: { $0 < e.sequence }) != true else { continue }
            charges.append(Charge(supervisorId: e.actorId, kind: kind, instant: e.at, onTime: e.stoppedOnTime))
        }
        return charges
    }
}
