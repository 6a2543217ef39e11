import CityGridModel
import Foundation
import PGClient

/// A roster change as stored: the change, who made it and when.
struct StoredRosterChange: Sendable, Encodable {
    var id: Int
    var change: RosterChange
    var reason: String?
    var changedBy: String
    var changedAt: Date

    enum CodingKeys: String, CodingKey { case id, kind, assignmentId, assignment, effectiveOn, reason, changedBy, changedAt }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        switch change {
        case .add(let row):
            try c.encode("add", forKey: .kind)
            try c.encode(row.id, forKey: .assignmentId)
            try c.encode(RosterRowView(row), forKey: .assignment)
            try c.encode(row.validFrom.description, forKey: .effectiveOn)
        case .end(let id, let day):
            try c.encode("end", forKey: .kind)
            try c.encode(id, forKey: .assignmentId)
            try c.encode(day.description, forKey: .effectiveOn)
        }
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encode(changedBy, forKey: .changedBy)
        try c.encode(changedAt, forKey: .changedAt)
    }
}

/// A field task as stored.
struct FieldTaskRow: Sendable {
    var taskId: UUID
    var caseId: UUID
    var kind: FieldTaskKind
    var requestSequence: Int
    var gridCode: String?
    var requestedAt: Date
    var stageDeadline: Date?
    var state: String
    var holder: String?
    var holderShift: String?
    var holderShiftEnd: Date?
    var assignedAt: Date
    var dueAt: Date?
    var reason: FieldTaskAssignmentReason
    var assignments: Int
    var holders: [String]

    var policyState: FieldTaskState {
        FieldTaskState(taskId: taskId, kind: kind, gridCode: gridCode, holder: holder, reason: reason, dueAt: dueAt,
                       stageDeadline: stageDeadline, holders: holders)
    }
}

/// One assignment of a task as stored.
struct FieldAssignmentRow: Sendable {
    var taskId: UUID
    var seq: Int
    var supervisorId: String?
    var shift: String?
    var shiftDay: CivilDate?
    var assignedAt: Date
    var dueAt: Date?
    var reason: String
    var assignedBy: String
    var endedAt: Date?
    var outcome: String?
    var answeredOnTime: Bool?
    var caseId: UUID
    var kind: FieldTaskKind
}

/// SQL for the roster's changes, field tasks and their assignments, and special patrols, on the
/// caller's connection (and so in the caller's transaction).
enum FieldTaskStore {
    static let encoder = MessageCoding.encoder()
    static let decoder = MessageCoding.decoder()

    // MARK: Roster changes

    static func rosterChanges(on connection: PGConnection) throws -> [StoredRosterChange] {
        try connection.query("""
            SELECT id, kind, assignment_id, assignment, effective_on::text AS effective_on, reason, changed_by, changed_at
            FROM supervision.roster_changes ORDER BY id
            """).rows.map { row in
            let day = try CivilDate(iso: try row.string("effective_on")).unwrapped("effective_on")
            let change: RosterChange
            if try row.string("kind") == "add" {
                change = .add(try row.json("assignment", as: RosterAssignment.self, decoder: decoder))
            } else {
                change = .end(assignmentId: try row.string("assignment_id"), day: day)
            }
            return StoredRosterChange(id: try row.int("id"), change: change, reason: row.optionalString("reason"),
                                      changedBy: try row.string("changed_by"), changedAt: try row.date("changed_at"))
        }
    }

    static func record(_ change: RosterChange, reason: String?, by actor: String, at: Date, on connection: PGConnection) throws -> Int {
        switch change {
        case .add(let row):
            return try connection.query("""
                INSERT INTO supervision.roster_changes (kind, assignment_id, assignment, effective_on, reason, changed_by, changed_at)
                VALUES ('add', $1, $2, $3::date, $4, $5, $6) RETURNING id
                """, [row.id, try PGJSON(encoding: row, encoder: encoder), row.validFrom.description, reason, actor, at]).first.unwrapped("id").int("id")
        case .end(let id, let day):
            return try connection.query("""
                INSERT INTO supervision.roster_changes (kind, assignment_id, effective_on, reason, changed_by, changed_at)
                VALUES ('end', $1, $2::date, $3, $4, $5) RETURNING id
                """, [id, day.description, reason, actor, at]).first.unwrapped("id").int("id")
        }
    }

    /// Serialises roster changes (each is judged against the roster as the one before left it).
    static func lockRoster(on connection: PGConnection) throws {
        try connection.query("SELECT pg_advisory_xact_lock(hashtext('supervision.roster'))")
    }

    // MARK: Tasks

    static let taskColumns = """
        task_id, case_id, kind, request_sequence, grid_code, requested_at, stage_deadline, state, holder, holder_shift,
        holder_shift_end, assigned_at, due_at, reason, assignments, holders
        """

    static func decodeTask(_ row: PGRow) throws -> FieldTaskRow {
        FieldTaskRow(taskId: try row.uuid("task_id"), caseId: try row.uuid("case_id"),
                     kind: try FieldTaskKind(rawValue: try row.string("kind")).unwrapped("kind"),
                     requestSequence: try row.int("request_sequence"), gridCode: row.optionalString("grid_code"),
                     requestedAt: try row.date("requested_at"), stageDeadline: row.optionalDate("stage_deadline"),
                     state: try row.string("state"), holder: row.optionalString("holder"), holderShift: row.optionalString("holder_shift"),
                     holderShiftEnd: row.optionalDate("holder_shift_end"), assignedAt: try row.date("assigned_at"),
                     dueAt: row.optionalDate("due_at"),
                     reason: try FieldTaskAssignmentReason(rawValue: try row.string("reason")).unwrapped("reason"),
                     assignments: try row.int("assignments"), holders: try row.textArray("holders"))
    }

    /// The case's open task, locked.
    static func openTask(caseId: UUID, on connection: PGConnection) throws -> FieldTaskRow? {
        try connection.query("SELECT \(taskColumns) FROM supervision.field_tasks WHERE case_id = $1 AND state = 'open' FOR UPDATE",
                             [caseId]).first.map(decodeTask)
    }

    static func task(_ taskId: UUID, on connection: PGConnection) throws -> FieldTaskRow? {
        try connection.query("SELECT \(taskColumns) FROM supervision.field_tasks WHERE task_id = $1", [taskId]).first.map(decodeTask)
    }

    /// Every open task (the watcher's pass; a few hundred at most in a busy city).
    static func openTasks(on connection: PGConnection) throws -> [FieldTaskRow] {
        try connection.query("SELECT \(taskColumns) FROM supervision.field_tasks WHERE state = 'open' ORDER BY assigned_at")
            .rows.map(decodeTask)
    }

    /// Open tasks held by `holder` (`nil`: the shift leader's queue), oldest first.
    static func openTasks(heldBy holder: String?, on connection: PGConnection) throws -> [FieldTaskRow] {
        let sql = "SELECT \(taskColumns) FROM supervision.field_tasks WHERE state = 'open' AND "
            + (holder == nil ? "holder IS NULL" : "holder = $1") + " ORDER BY assigned_at LIMIT 500"
        return try connection.query(sql, holder.map { [$0] } ?? []).rows.map(decodeTask)
    }

    static func insertTask(_ task: FieldTaskRow, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO supervision.field_tasks (task_id, case_id, kind, request_sequence, grid_code, requested_at, stage_deadline, state,
                holder, holder_shift, holder_shift_end, assigned_at, due_at, reason, assignments, holders)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $11, $12, $13, $14, $15)
            """, [task.taskId, task.caseId, task.kind.rawValue, task.requestSequence, task.gridCode, task.requestedAt, task.stageDeadline,
                  task.holder, task.holderShift, task.holderShiftEnd, task.assignedAt, task.dueAt, task.reason.rawValue, task.assignments,
                  PGTextArray(task.holders)])
    }

    /// Writes the task's holder after a reassignment.
    static func updateHolder(_ task: FieldTaskRow, on connection: PGConnection) throws {
        try connection.query("""
            UPDATE supervision.field_tasks SET holder = $2, holder_shift = $3, holder_shift_end = $4, assigned_at = $5, due_at = $6,
                reason = $7, assignments = $8, holders = $9
            WHERE task_id = $1
            """, [task.taskId, task.holder, task.holderShift, task.holderShiftEnd, task.assignedAt, task.dueAt, task.reason.rawValue,
                  task.assignments, PGTextArray(task.holders)])
    }

    static func endTask(_ taskId: UUID, state: String, at: Date, answeredBy: String?, action: String?, on connection: PGConnection) throws {
        try connection.query("""
            UPDATE supervision.field_tasks SET state = $2, ended_at = $3, answered_by = $4, answer_action = $5 WHERE task_id = $1
            """, [taskId, state, at, answeredBy, action])
    }

    /// Records an assignment; `day` is the shift run's day, or the local day for the queue and
    /// assignments off roster (the workload counts them on it).
    static func insertAssignment(taskId: UUID, seq: Int, target: FieldTaskTarget, day: CivilDate, at: Date, dueAt: Date?,
                                 reason: FieldTaskAssignmentReason, by: String, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO supervision.field_task_assignments (task_id, seq, supervisor_id, shift, shift_day, assigned_at, due_at, reason, assigned_by)
            VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8, $9)
            """, [taskId, seq, target.supervisorId, target.shift, (target.shiftDay ?? day).description, at, dueAt, reason.rawValue, by])
    }

    /// Closes the current assignment of a task: how it ended, and for an answer whether it was on time.
    static func endAssignment(taskId: UUID, seq: Int, at: Date, outcome: String, onTime: Bool?, on connection: PGConnection) throws {
        try connection.query("""
            UPDATE supervision.field_task_assignments SET ended_at = $3, outcome = $4, answered_on_time = $5
            WHERE task_id = $1 AND seq = $2
            """, [taskId, seq, at, outcome, onTime])
    }

    static let assignmentColumns = """
        a.task_id, a.seq, a.supervisor_id, a.shift, a.shift_day::text AS shift_day, a.assigned_at, a.due_at, a.reason, a.assigned_by,
        a.ended_at, a.outcome, a.answered_on_time, t.case_id, t.kind
        """

    static func decodeAssignment(_ row: PGRow) throws -> FieldAssignmentRow {
        FieldAssignmentRow(taskId: try row.uuid("task_id"), seq: try row.int("seq"), supervisorId: row.optionalString("supervisor_id"),
                           shift: row.optionalString("shift"), shiftDay: row.optionalString("shift_day").flatMap(CivilDate.init(iso:)),
                           assignedAt: try row.date("assigned_at"), dueAt: row.optionalDate("due_at"), reason: try row.string("reason"),
                           assignedBy: try row.string("assigned_by"), endedAt: row.optionalDate("ended_at"),
                           outcome: row.optionalString("outcome"), answeredOnTime: row.optionalString("answered_on_time").map { $0 == "t" },
                           caseId: try row.uuid("case_id"), kind: try FieldTaskKind(rawValue: try row.string("kind")).unwrapped("kind"))
    }

    /// The assignments given on one shift run (`shift` on `day`), or off roster on that day when `shift` is nil.
    static func assignments(onShiftDay day: CivilDate, on connection: PGConnection) throws -> [FieldAssignmentRow] {
        try connection.query("""
            SELECT \(assignmentColumns) FROM supervision.field_task_assignments a JOIN supervision.field_tasks t USING (task_id)
            WHERE a.shift_day = $1::date ORDER BY a.assigned_at, a.task_id, a.seq
            """, [day.description]).rows.map(decodeAssignment)
    }

    /// Every assignment of the tasks of a case, in order.
    static func assignments(caseId: UUID, on connection: PGConnection) throws -> [FieldAssignmentRow] {
        try connection.query("""
            SELECT \(assignmentColumns) FROM supervision.field_task_assignments a JOIN supervision.field_tasks t USING (task_id)
            WHERE t.case_id = $1 ORDER BY t.requested_at, a.seq
            """, [caseId]).rows.map(decodeAssignment)
    }

    // MARK: Special patrols

    struct Patrol: Sendable, Codable {
        var patrolId: UUID
        var title: String
        var note: String?
        var areaCodes: [String]
        var supervisorId: String
        var startsAt: Date
        var endsAt: Date
        var createdBy: String
        var createdAt: Date
    }

    static func insertPatrol(_ p: Patrol, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO supervision.special_patrols (patrol_id, title, note, area_codes, supervisor_id, starts_at, ends_at, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, [p.patrolId, p.title, p.note, PGTextArray(p.areaCodes), p.supervisorId, p.startsAt, p.endsAt, p.createdBy, p.createdAt])
    }

    /// A supervisor's patrols that have not ended at `now`, soonest first.
    static func patrols(of supervisorId: String, notEndedAt now: Date, on connection: PGConnection) throws -> [Patrol] {
        try connection.query("""
            SELECT patrol_id, title, note, area_codes, supervisor_id, starts_at, ends_at, created_by, created_at
            FROM supervision.special_patrols WHERE supervisor_id = $1 AND ends_at > $2 ORDER BY starts_at LIMIT 100
            """, [supervisorId, now]).rows.map { row in
            Patrol(patrolId: try row.uuid("patrol_id"), title: try row.string("title"), note: row.optionalString("note"),
                   areaCodes: try row.textArray("area_codes"), supervisorId: try row.string("supervisor_id"),
                   startsAt: try row.date("starts_at"), endsAt: try row.date("ends_at"), createdBy: try row.string("created_by"),
                   createdAt: try row.date("created_at"))
        }
    }
}

extension Optional {
    /// The value, or a decoding failure naming the column.
    func unwrapped(_ column: String) throws -> Wrapped {
        guard let value = self else { throw PGError(.decoding, "unexpected value in column \(column)") }
        return value
    }
}
