import CityGridModel
import Foundation
import PGClient

/// SQL for tasks and their log. Every call runs on the caller's connection, inside its transaction.
enum TaskStore {
    static func find(_ connection: PGConnection, dispatchId: UUID, forUpdate: Bool = false) throws -> TaskRecord? {
        try connection.query("SELECT * FROM disposal.tasks WHERE dispatch_id = $1" + (forUpdate ? " FOR UPDATE" : ""), [dispatchId])
            .first.map(TaskRecord.init(row:))
    }

    /// The case's most recent task at `department` (the one a rework replaces).
    static func latest(_ connection: PGConnection, caseId: UUID, department: String) throws -> TaskRecord? {
        try connection.query("""
            SELECT * FROM disposal.tasks WHERE case_id = $1 AND department_code = $2
            ORDER BY dispatched_at DESC, updated_at DESC LIMIT 1 FOR UPDATE
            """, [caseId, department]).first.map(TaskRecord.init(row:))
    }

    static func insert(_ connection: PGConnection, _ d: TaskDispatched, reworkOf: UUID? = nil) throws {
        try connection.query("""
            INSERT INTO disposal.tasks (dispatch_id, case_id, case_number, department_code, department_name, via, state, deadline,
                handling_limit, kind, class_code, class_name, condition_id, grid_code, description, address, longitude, latitude,
                photos, redispatch, rework_of, dispatched_at, deadline_basis)
            VALUES ($1, $2, $3, $4, $5, $6, 'dispatched', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::text[], $19, $20, $21,
                $22::jsonb)
            """, [d.dispatchId, d.caseId, d.caseNumber, d.departmentCode, d.departmentName, d.via, d.deadline, d.handlingLimit.description,
                  d.kind.rawValue, d.classCode, d.className, d.conditionId, d.gridCode, d.description, d.address, d.longitude, d.latitude,
                  PGTextArray(d.photos), d.redispatch, reworkOf, d.dispatchedAt, try d.deadlineBasis?.parameter])
    }

    /// Copies `old` as a new dispatch (rework or reopening: same department, new dispatch id,
    /// deadline and basis; `via` says which).
    static func insertRework(_ connection: PGConnection, of old: TaskRecord, dispatchId: UUID, deadline: Date, basis: DeadlineBasis?,
                             at: Date, via: String = "rework") throws {
        try connection.query("""
            INSERT INTO disposal.tasks (dispatch_id, case_id, case_number, department_code, department_name, via, state, deadline,
                handling_limit, kind, class_code, class_name, condition_id, grid_code, description, address, longitude, latitude,
                photos, redispatch, rework_of, dispatched_at, deadline_basis)
            SELECT $1, case_id, case_number, department_code, department_name, $6, 'dispatched', $2,
                handling_limit, kind, class_code, class_name, condition_id, grid_code, description, address, longitude, latitude,
                photos, false, dispatch_id, $3, $5::jsonb
            FROM disposal.tasks WHERE dispatch_id = $4
            """, [dispatchId, deadline, at, old.dispatchId, try basis?.parameter, via])
    }

    /// Marks the case's older unfinished tasks as replaced by `newDispatch` (dispatched at `at`).
    static func supersedeOpenTasks(_ connection: PGConnection, caseId: UUID, except newDispatch: UUID, at: Date) throws -> [UUID] {
        try connection.query("""
            UPDATE disposal.tasks SET state = 'superseded', superseded_by = $2, pending_request = NULL, ended_at = $3, updated_at = now()
            WHERE case_id = $1 AND dispatch_id <> $2 AND dispatched_at <= $3 AND state IN ('dispatched','accepted','suspended','completed')
            RETURNING dispatch_id
            """, [caseId, newDispatch, at]).rows.map { try $0.uuid("dispatch_id") }
    }

    /// A task of the case dispatched after `at`: a late, older dispatch must not replace it.
    static func newer(_ connection: PGConnection, caseId: UUID, than at: Date) throws -> UUID? {
        try connection.query("""
            SELECT dispatch_id FROM disposal.tasks WHERE case_id = $1 AND dispatched_at > $2 ORDER BY dispatched_at DESC LIMIT 1
            """, [caseId, at]).first?.uuid("dispatch_id")
    }

    /// Ends a task that arrived after its successor.
    static func markSuperseded(_ connection: PGConnection, dispatchId: UUID, by successor: UUID, at: Date) throws {
        try connection.query("""
            UPDATE disposal.tasks SET state = 'superseded', superseded_by = $2, ended_at = $3, updated_at = now() WHERE dispatch_id = $1
            """, [dispatchId, successor, at])
    }

    /// Stores a new status; a pending request's details follow its kind. A later deadline puts out
    /// the yellow and red lights, which were set against the old one (as the centre does for an
    /// approved extension or a recounted deadline); an earlier one keeps them.
    static func save(_ connection: PGConnection, dispatchId: UUID, old: TaskStatus, new: TaskStatus,
                     pendingReason: String? = nil, pendingDeadline: Date? = nil, at: Date,
                     result: String? = nil, resultPhotos: [String]? = nil) throws {
        let requestOpened = new.pendingRequest != nil && old.pendingRequest == nil
        let ended = new.state.isFinal && !old.state.isFinal
        try connection.query("""
            UPDATE disposal.tasks SET state = $2, deadline = $3, deadline_basis = $14::jsonb, accepted_at = $4, completed_at = $5,
                pending_request = $6,
                pending_reason   = CASE WHEN $6::text IS NULL THEN NULL WHEN $7 THEN $8 ELSE pending_reason END,
                pending_deadline = CASE WHEN $6::text IS NULL THEN NULL WHEN $7 THEN $9::timestamptz ELSE pending_deadline END,
                pending_at       = CASE WHEN $6::text IS NULL THEN NULL WHEN $7 THEN $10::timestamptz ELSE pending_at END,
                ended_at = CASE WHEN $11 THEN $10::timestamptz ELSE ended_at END,
                result = COALESCE($12, result),
                result_photos = COALESCE($13::text[], result_photos),
                warning_at = CASE WHEN $3::timestamptz > deadline THEN NULL ELSE warning_at END,
                overdue_at = CASE WHEN $3::timestamptz > deadline THEN NULL ELSE overdue_at END,
                updated_at = now()
            WHERE dispatch_id = $1
            """, [dispatchId, new.state.rawValue, new.deadline, new.acceptedAt, new.completedAt, new.pendingRequest?.rawValue,
                  requestOpened, pendingReason, pendingDeadline, at, ended, result, resultPhotos.map(PGTextArray.init),
                  try new.deadlineBasis?.parameter])
    }

    /// Updates the display marks a notice carries (yellow/red light, urging, last message).
    static func mark(_ connection: PGConnection, dispatchId: UUID, notice: TaskNotice) throws {
        let text = [notice.kind.rawValue, notice.reason, notice.message].compactMap { $0 }.joined(separator: ": ")
        try connection.query("""
            UPDATE disposal.tasks SET
                warning_at = CASE WHEN $2 = 'warning' THEN COALESCE(warning_at, $3::timestamptz) ELSE warning_at END,
                overdue_at = CASE WHEN $2 = 'overdue' THEN COALESCE(overdue_at, $3::timestamptz) ELSE overdue_at END,
                urge_count = urge_count + CASE WHEN $2 = 'urged' THEN 1 ELSE 0 END,
                last_notice = $4, last_notice_at = $3, updated_at = now()
            WHERE dispatch_id = $1
            """, [dispatchId, notice.kind.rawValue, notice.at, text])
    }

    static func append(_ connection: PGConnection, dispatchId: UUID, caseId: UUID, _ e: TaskEventRecord) throws {
        try connection.query("""
            INSERT INTO disposal.task_events (event_id, dispatch_id, case_id, kind, actor_id, channel, at, note, result, reason,
                requested_deadline, deadline, photos, deadline_basis, previous_deadline)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text[], $14::jsonb, $15)
            ON CONFLICT (event_id) DO NOTHING
            """, [e.eventId, dispatchId, caseId, e.kind, e.actorId, e.channel, e.at, e.note, e.result, e.reason, e.requestedDeadline,
                  e.deadline, PGTextArray(e.photos), try e.deadlineBasis?.parameter, e.previousDeadline])
    }

    /// The task's department operations (update id and action) from its log, oldest first.
    static func operations(_ connection: PGConnection, dispatchId: UUID) throws -> [(id: UUID, action: TaskAction)] {
        try connection.query("""
            SELECT event_id, kind FROM disposal.task_events WHERE dispatch_id = $1 AND kind = ANY($2::text[]) ORDER BY seq
            """, [dispatchId, PGTextArray(TaskAction.allCases.map(\.rawValue))]).rows.compactMap { row in
            let id = try row.uuid("event_id")
            return TaskAction(rawValue: try row.string("kind")).map { (id, $0) }
        }
    }

    static func events(_ connection: PGConnection, dispatchId: UUID) throws -> [TaskEventRecord] {
        try connection.query("SELECT * FROM disposal.task_events WHERE dispatch_id = $1 ORDER BY seq", [dispatchId])
            .rows.map(TaskEventRecord.init(row:))
    }

    /// A page of a department's inbox, newest dispatch first.
    /// Whether any task was ever dispatched to `department`.
    static func hasTasks(_ connection: PGConnection, department: String) throws -> Bool {
        try connection.query("SELECT 1 AS one FROM disposal.tasks WHERE department_code = $1 LIMIT 1", [department]).first != nil
    }

    static func inbox(_ connection: PGConnection, department: String, state: TaskState?, page: Int, pageSize: Int) throws -> (items: [TaskRecord], total: Int) {
        let total = try connection.query(
            "SELECT count(*) AS n FROM disposal.tasks WHERE department_code = $1 AND ($2::text IS NULL OR state = $2)",
            [department, state?.rawValue]).first?.int("n") ?? 0
        let items = try connection.query("""
            SELECT * FROM disposal.tasks WHERE department_code = $1 AND ($2::text IS NULL OR state = $2)
            ORDER BY dispatched_at DESC, dispatch_id LIMIT $3 OFFSET $4
            """, [department, state?.rawValue, pageSize, (page - 1) * pageSize]).rows.map(TaskRecord.init(row:))
        return (items, total)
    }
}
