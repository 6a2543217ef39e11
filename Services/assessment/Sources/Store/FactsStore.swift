import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// SQL for the event log and the per-case fold. All calls are synchronous libpq calls made inside
/// a caller's transaction or pooled connection.
enum FactsStore {
    static let encoder = MessageCoding.encoder()
    static let decoder = MessageCoding.decoder()

    /// Stores one timeline entry and folds it into the case's facts, in sequence order.
    /// - Returns: false when the entry was already applied (a redelivery under another id).
    /// - Throws: ``HandlerError/notYet(_:)`` when an earlier entry of the case is missing.
    @discardableResult
    static func apply(_ message: CaseTransitioned, on c: PGConnection) throws -> Bool {
        let entry = message.entry
        let current = try c.query(
            "SELECT last_sequence, facts FROM assessment.case_facts WHERE case_id = $1 FOR UPDATE", [entry.caseId]).first
        var facts = CaseFacts(caseId: entry.caseId)
        if let current {
            facts = try decoder.decode(CaseFacts.self, from: Data(try current.string("facts").utf8))
        }
        let event = CaseEvent(entry)
        do {
            try facts.apply(event)
        } catch .alreadyApplied {
            return false
        } catch let .gap(expected, got) {
            throw HandlerError.notYet("case \(entry.caseId): waiting for sequence \(expected), got \(got)")
        }
        try insertEvent(entry, on: c)
        var meta = try current == nil ? CaseMeta() : loadMeta(entry.caseId, on: c)
        var incoming = CaseMeta(caseNumber: message.caseNumber, channel: message.channel, kind: message.kind, classCode: message.classCode,
                                gridCode: message.gridCode ?? entry.detail(.gridCode), reporterId: message.reporterId,
                                componentCode: message.componentCode, gridSupervisorId: message.gridSupervisorId)
        if incoming.reporterId == nil, entry.action == .report || entry.action == .reportSelfHandled { incoming.reporterId = entry.actorId }
        meta.merge(incoming)
        try upsert(facts, meta: meta, on: c)
        return true
    }

    static func insertEvent(_ entry: TimelineEntry, on c: PGConnection) throws {
        let e = CaseEvent(entry)
        let json = String(decoding: try encoder.encode(entry), as: UTF8.self)
        try c.query("""
            INSERT INTO assessment.case_events (case_id, sequence, action, at, to_state, actor_id, actor_role, department,
                stopped_stage, stopped_deadline, started_stage, started_deadline, detail_deadline, returned_by, entry, verdict)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            ON CONFLICT (case_id, sequence) DO NOTHING
            """, [e.caseId, e.sequence, e.action.rawValue, e.at, e.to.rawValue, e.actorId, e.actorRole.rawValue, e.department,
                  e.stoppedStage?.rawValue, e.stoppedDeadline, e.startedStage?.rawValue, e.startedDeadline, e.detailDeadline,
                  e.returnedBy, PGJSON(json), e.verdict?.rawValue])
    }

    static func loadMeta(_ caseId: UUID, on c: PGConnection) throws -> CaseMeta {
        guard let row = try c.query("""
            SELECT case_number, channel, kind, class_code, grid_code, reporter_id, component_code, grid_supervisor
            FROM assessment.case_facts WHERE case_id = $1
            """, [caseId]).first else { return CaseMeta() }
        return meta(from: row)
    }

    static func meta(from row: PGRow) -> CaseMeta {
        CaseMeta(caseNumber: row.optionalString("case_number") ?? "", channel: row.optionalString("channel").flatMap(ReportChannel.init),
                 kind: row.optionalString("kind").flatMap(ClassKind.init), classCode: row.optionalString("class_code"),
                 gridCode: row.optionalString("grid_code"), reporterId: row.optionalString("reporter_id"),
                 componentCode: row.optionalString("component_code"), gridSupervisorId: row.optionalString("grid_supervisor"))
    }

    /// Writes the fold and its searchable columns.
    static func upsert(_ f: CaseFacts, meta: CaseMeta, on c: PGConnection) throws {
        let json = String(decoding: try encoder.encode(f), as: UTF8.self)
        try c.query("""
            INSERT INTO assessment.case_facts (case_id, case_number, channel, kind, class_code, grid_code, community_code, street_code,
                district_code, reporter_id, component_code, last_sequence, state, reported_at, filed_at, dispatched_at, department,
                departments, handling_deadline, completed_at, completed_on_time, closed_at, voided_at, ended_at, suspended,
                rework_count, return_count, extension_count, attributed_at, facts, last_visit_at, grid_supervisor, updated_at)
            VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32, now())
            ON CONFLICT (case_id) DO UPDATE SET case_number = EXCLUDED.case_number, channel = EXCLUDED.channel, kind = EXCLUDED.kind,
                class_code = EXCLUDED.class_code, grid_code = EXCLUDED.grid_code, community_code = EXCLUDED.community_code,
                street_code = EXCLUDED.street_code, district_code = EXCLUDED.district_code, reporter_id = EXCLUDED.reporter_id,
                component_code = EXCLUDED.component_code, last_sequence = EXCLUDED.last_sequence, state = EXCLUDED.state,
                reported_at = EXCLUDED.reported_at, filed_at = EXCLUDED.filed_at, dispatched_at = EXCLUDED.dispatched_at,
                department = EXCLUDED.department, departments = EXCLUDED.departments, handling_deadline = EXCLUDED.handling_deadline,
                completed_at = EXCLUDED.completed_at, completed_on_time = EXCLUDED.completed_on_time, closed_at = EXCLUDED.closed_at,
                voided_at = EXCLUDED.voided_at, ended_at = EXCLUDED.ended_at, suspended = EXCLUDED.suspended,
                rework_count = EXCLUDED.rework_count, return_count = EXCLUDED.return_count, extension_count = EXCLUDED.extension_count,
                attributed_at = EXCLUDED.attributed_at, facts = EXCLUDED.facts, last_visit_at = EXCLUDED.last_visit_at,
                grid_supervisor = EXCLUDED.grid_supervisor, updated_at = now()
            """, [f.caseId, meta.caseNumber, meta.channel?.rawValue, meta.kind?.rawValue, meta.classCode, meta.gridCode,
                  meta.area(.community), meta.area(.street), meta.area(.district), meta.reporterId, meta.componentCode,
                  f.lastSequence, f.state?.rawValue, f.reportedAt, f.filedAt, f.dispatchedAt, f.department, PGTextArray(f.departments),
                  f.handlingDeadline, f.completedAt, f.completedOnTime, f.closedAt, f.voidedAt, f.endedAt, f.suspended,
                  f.reworkCount, f.returnCount, f.extensionCount, Attribution.instant(of: f), PGJSON(json), f.lastVisitAt,
                  meta.gridSupervisorId])
    }

    /// Records one assignment of a field task (idempotent on task and sequence).
    static func recordAssignment(_ m: FieldTaskAssigned, on c: PGConnection) throws {
        try c.query("""
            INSERT INTO assessment.field_assignments (task_id, sequence, case_id, kind, request_sequence, supervisor_id, assigned_at, due_at, reason)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (task_id, sequence) DO NOTHING
            """, [m.taskId, m.sequence, m.caseId, m.kind.rawValue, m.requestSequence, m.supervisorId, m.assignedAt, m.dueAt, m.reason.rawValue])
    }

    /// The field-task assignments of the window's cases made before `to`, by case.
    static func assignments(from: Date, to: Date, on c: PGConnection) throws -> [UUID: [FieldAssignment]] {
        let rows = try c.query("""
            SELECT a.task_id, a.sequence, a.case_id, a.kind, a.request_sequence, a.supervisor_id, a.assigned_at, a.due_at, a.reason
            FROM assessment.field_assignments a JOIN assessment.case_facts f USING (case_id)
            WHERE \(window) AND a.assigned_at < $2
            """, [from, to])
        var byCase: [UUID: [FieldAssignment]] = [:]
        for row in rows.rows {
            guard let kind = FieldTaskKind(rawValue: try row.string("kind")),
                  let reason = FieldTaskAssignmentReason(rawValue: try row.string("reason")) else {
                throw PGError(.decoding, "unknown kind or reason in assessment.field_assignments")
            }
            byCase[try row.uuid("case_id"), default: []].append(FieldAssignment(
                taskId: try row.uuid("task_id"), kind: kind, requestSequence: try row.int("request_sequence"), sequence: try row.int("sequence"),
                supervisorId: row.optionalString("supervisor_id"), assignedAt: try row.date("assigned_at"), dueAt: row.optionalDate("due_at"),
                reason: reason))
        }
        return byCase
    }

    /// Records a duplicate report linked to an earlier case (idempotent on the report id).
    static func link(_ d: DuplicateLinked, on c: PGConnection) throws {
        try c.query("""
            INSERT INTO assessment.duplicate_links (report_id, duplicate_of, channel, kind, class_code, reported_at)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (report_id) DO NOTHING
            """, [d.reportId, d.duplicateOf, d.channel.rawValue, d.kind.rawValue, d.classCode, d.reportedAt])
    }

    /// Records a repeat complaint (重复投诉) about an ended case (idempotent on the later case's id).
    static func recordRepeatComplaint(_ found: RepeatFound, on c: PGConnection) throws {
        guard found.relation == .repeatComplaint else { return }
        try c.query("""
            INSERT INTO assessment.repeat_complaints (report_id, repeat_of, basis, channel, kind, class_code, reported_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (report_id) DO NOTHING
            """, [found.caseId, found.repeatOf.caseId, found.basis.rawValue, found.channel.rawValue, found.kind.rawValue, found.classCode,
                  found.reportedAt])
    }

    /// The cases that can matter for `[$1, $2)`: reported before the end and not ended before the
    /// start (a case's attribution instant is never after its end), or visited (回访) since the
    /// start, or complained about again (重复投诉) in the period.
    static let window = "f.reported_at < $2 AND (f.ended_at IS NULL OR f.ended_at >= $1 OR f.last_visit_at >= $1"
        + " OR f.case_id IN (SELECT r.repeat_of FROM assessment.repeat_complaints r WHERE r.reported_at >= $1 AND r.reported_at < $2))"

    /// The histories that can matter for `[from, to)` (``window``), with their events before `to`.
    static func histories(from: Date, to: Date, on c: PGConnection) throws -> [CaseHistory] {
        let metas = try c.query("""
            SELECT f.case_id, f.case_number, f.channel, f.kind, f.class_code, f.grid_code, f.reporter_id, f.component_code, f.grid_supervisor,
                   (SELECT count(*) FROM assessment.duplicate_links d WHERE d.duplicate_of = f.case_id AND d.reported_at < $2) AS dups
            FROM assessment.case_facts f WHERE \(window) ORDER BY f.case_id
            """, [from, to])
        let events = try c.query("""
            SELECT e.case_id, e.sequence, e.action, e.at, e.to_state, e.actor_id, e.actor_role, e.department, e.stopped_stage,
                   e.stopped_deadline, e.started_stage, e.started_deadline, e.detail_deadline, e.returned_by, e.verdict
            FROM assessment.case_events e JOIN assessment.case_facts f USING (case_id)
            WHERE \(window) AND e.at < $2 ORDER BY e.case_id, e.sequence
            """, [from, to])
        var byCase: [UUID: [CaseEvent]] = [:]
        for row in events.rows {
            let e = try event(from: row)
            byCase[e.caseId, default: []].append(e)
        }
        let assigned = try assignments(from: from, to: to, on: c)
        var complaints: [UUID: [Date]] = [:]
        for row in try c.query("""
            SELECT r.repeat_of, r.reported_at FROM assessment.repeat_complaints r
            WHERE r.reported_at >= $1 AND r.reported_at < $2 ORDER BY r.reported_at
            """, [from, to]).rows {
            complaints[try row.uuid("repeat_of"), default: []].append(try row.date("reported_at"))
        }
        return try metas.rows.map { row in
            let id = try row.uuid("case_id")
            return CaseHistory(caseId: id, meta: meta(from: row), events: byCase[id] ?? [], duplicateLinks: row.optionalInt("dups") ?? 0,
                               assignments: assigned[id] ?? [], repeatComplaints: complaints[id] ?? [])
        }
    }

    static func event(from row: PGRow) throws -> CaseEvent {
        guard let action = CaseAction(rawValue: try row.string("action")), let to = CaseState(rawValue: try row.string("to_state")),
              let role = Role(rawValue: try row.string("actor_role")) else {
            throw PGError(.decoding, "unknown action, state or role in assessment.case_events")
        }
        return CaseEvent(
            caseId: try row.uuid("case_id"), sequence: try row.int("sequence"), action: action, at: try row.date("at"), to: to,
            actorId: try row.string("actor_id"), actorRole: role, department: row.optionalString("department"),
            stoppedStage: row.optionalString("stopped_stage").flatMap(StageClock.Stage.init), stoppedDeadline: row.optionalDate("stopped_deadline"),
            startedStage: row.optionalString("started_stage").flatMap(StageClock.Stage.init), startedDeadline: row.optionalDate("started_deadline"),
            detailDeadline: row.optionalDate("detail_deadline"), returnedBy: row.optionalString("returned_by"),
            verdict: row.optionalString("verdict").flatMap(ReturnVisitVerdict.init(rawValue:)))
    }

    /// Re-folds the facts of every case touching `[from, to)` from its full stored history
    /// (two queries for the whole window, then one upsert per case whose fold differed).
    /// - Returns: (cases re-folded, rows whose stored fold differed).
    static func rebuild(from: Date, to: Date, on c: PGConnection) throws -> (cases: Int, changed: Int) {
        let stored = try c.query("""
            SELECT f.case_id, f.facts, f.case_number, f.channel, f.kind, f.class_code, f.grid_code, f.reporter_id, f.component_code,
                   f.grid_supervisor
            FROM assessment.case_facts f WHERE \(window)
            """, [from, to])
        let events = try c.query("""
            SELECT e.case_id, e.sequence, e.action, e.at, e.to_state, e.actor_id, e.actor_role, e.department, e.stopped_stage,
                   e.stopped_deadline, e.started_stage, e.started_deadline, e.detail_deadline, e.returned_by, e.verdict
            FROM assessment.case_events e JOIN assessment.case_facts f USING (case_id)
            WHERE \(window) ORDER BY e.case_id, e.sequence
            """, [from, to])
        var byCase: [UUID: [CaseEvent]] = [:]
        for row in events.rows {
            let e = try event(from: row)
            byCase[e.caseId, default: []].append(e)
        }
        var changed = 0
        for row in stored.rows {
            let id = try row.uuid("case_id")
            let fresh = CaseFacts.fold(caseId: id, events: byCase[id] ?? [])
            let stored = try decoder.decode(CaseFacts.self, from: Data(try row.string("facts").utf8))
            if !fresh.matches(stored) {
                changed += 1
                try upsert(fresh, meta: meta(from: row), on: c)
            }
        }
        return (stored.rows.count, changed)
    }

    /// Loads histories in bulk (back-fills and tests): events and folds in a few statements per
    /// batch. `entry` holds the flattened event, since no full timeline entry exists for them.
    static func bulkImport(_ histories: [CaseHistory], on c: PGConnection) throws {
        struct EventRow: Encodable {
            var case_id: UUID, sequence: Int, action: String, at: String, to_state: String, actor_id: String, actor_role: String
            var department: String?, stopped_stage: String?, stopped_deadline: String?, started_stage: String?
            var started_deadline: String?, detail_deadline: String?, returned_by: String?, verdict: String?
        }
        let plain = JSONEncoder()
        // Times are stored as the messages carry them (RFC 3339, milliseconds). Fold what will be
        // stored, not the caller's finer times: a stop a fraction of a millisecond after its
        // deadline must be judged the same here and by a later rebuild from the stored events.
        func stored(_ date: Date) -> Date { RFC3339.parse(RFC3339.format(date)) ?? date }
        let histories = histories.map { history in
            var history = history
            history.events = history.events.map { event in
                var event = event
                event.at = stored(event.at)
                event.stoppedDeadline = event.stoppedDeadline.map(stored)
                event.startedDeadline = event.startedDeadline.map(stored)
                event.detailDeadline = event.detailDeadline.map(stored)
                return event
            }
            return history
        }
        for batch in stride(from: 0, to: histories.count, by: 2_000) {
            let slice = histories[batch..<min(batch + 2_000, histories.count)]
            let rows = slice.flatMap(\.events).map { e in
                EventRow(case_id: e.caseId, sequence: e.sequence, action: e.action.rawValue, at: RFC3339.format(e.at),
                         to_state: e.to.rawValue, actor_id: e.actorId, actor_role: e.actorRole.rawValue, department: e.department,
                         stopped_stage: e.stoppedStage?.rawValue, stopped_deadline: e.stoppedDeadline.map(RFC3339.format),
                         started_stage: e.startedStage?.rawValue, started_deadline: e.startedDeadline.map(RFC3339.format),
                         detail_deadline: e.detailDeadline.map(RFC3339.format), returned_by: e.returnedBy, verdict: e.verdict?.rawValue)
            }
            try c.query("""
                INSERT INTO assessment.case_events (case_id, sequence, action, at, to_state, actor_id, actor_role, department,
                    stopped_stage, stopped_deadline, started_stage, started_deadline, detail_deadline, returned_by, entry, verdict)
                SELECT x.case_id, x.sequence, x.action, x.at, x.to_state, x.actor_id, x.actor_role, x.department, x.stopped_stage,
                       x.stopped_deadline, x.started_stage, x.started_deadline, x.detail_deadline, x.returned_by, to_jsonb(x), x.verdict
                FROM jsonb_to_recordset($1::jsonb) AS x(case_id uuid, sequence integer, action text, at timestamptz, to_state text,
                    actor_id text, actor_role text, department text, stopped_stage text, stopped_deadline timestamptz,
                    started_stage text, started_deadline timestamptz, detail_deadline timestamptz, returned_by text, verdict text)
                ON CONFLICT (case_id, sequence) DO NOTHING
                """, [PGJSON(String(decoding: try plain.encode(rows), as: UTF8.self))])
            for h in slice {
                try upsert(CaseFacts.fold(caseId: h.caseId, events: h.events), meta: h.meta, on: c)
                for a in h.assignments {
                    try c.query("""
                        INSERT INTO assessment.field_assignments (task_id, sequence, case_id, kind, request_sequence, supervisor_id,
                            assigned_at, due_at, reason)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (task_id, sequence) DO NOTHING
                        """, [a.taskId, a.sequence, h.caseId, a.kind.rawValue, a.requestSequence, a.supervisorId, stored(a.assignedAt),
                              a.dueAt.map(stored), a.reason.rawValue])
                }
            }
        }
    }
}
