import CityGridModel
import Foundation
import PGClient

/// Reads and writes `supervision.cases` and `supervision.timeline` on one connection (the
/// caller's transaction). The timeline is only ever inserted into.
enum CaseStore {
    static let encoder = MessageCoding.encoder()
    static let decoder = MessageCoding.decoder()

    /// Loads a case, locking its row when `forUpdate` (every writer does, so transitions of one
    /// case are serialised).
    static func load(_ id: UUID, forUpdate: Bool, on connection: PGConnection) throws -> StoredCase? {
        let sql = "SELECT facts, record, duplicate_count FROM supervision.cases WHERE id = $1" + (forUpdate ? " FOR UPDATE" : "")
        guard let row = try connection.query(sql, [id]).first else { return nil }
        return try decode(row)
    }

    /// Finds a case id by id text or case number.
    static func resolveId(_ idOrNumber: String, on connection: PGConnection) throws -> UUID? {
        if let id = UUID(uuidString: idOrNumber) { return id }
        return try connection.query("SELECT id FROM supervision.cases WHERE number = $1", [idOrNumber]).first?.optionalUUID("id")
    }

    /// Finds a case by the channel it came from and that channel's own reference (a hotline's
    /// ticket number). A channel reference names one case: intake opens no second case for it.
    static func resolveId(channel: ReportChannel, reference: String, on connection: PGConnection) throws -> UUID? {
        try connection.query("SELECT id FROM supervision.cases WHERE channel = $1 AND channel_reference = $2 LIMIT 1",
                             [channel.rawValue, reference]).first?.optionalUUID("id")
    }

    static func decode(_ row: PGRow) throws -> StoredCase {
        let facts = try row.json("facts", as: CaseFacts.self, decoder: decoder)
        let record = try row.json("record", as: CaseRecord.self, decoder: decoder)
        return StoredCase(facts: facts, record: record, duplicateCount: row.optionalInt("duplicate_count") ?? 0)
    }

    /// A case row as read (`id`, `facts`, `record`, `duplicate_count`), not yet decoded: a list
    /// decodes only the rows whose view it has not made before (``CaseViewCache``).
    static func text(_ row: PGRow) throws -> StoredCaseText {
        StoredCaseText(id: try row.uuid("id"), facts: try row.string("facts"), record: try row.string("record"),
                       duplicateCount: row.optionalInt("duplicate_count") ?? 0)
    }

    /// Decodes a row read by ``text(_:)``, as ``decode(_:)-(PGRow)`` decodes a row.
    static func decode(_ text: StoredCaseText) throws -> StoredCase {
        let facts = try decoder.decode(CaseFacts.self, from: Data(text.facts.utf8))
        let record = try decoder.decode(CaseRecord.self, from: Data(text.record.utf8))
        return StoredCase(facts: facts, record: record, duplicateCount: text.duplicateCount)
    }

    /// Inserts a new case with its first timeline entry.
    static func insert(_ stored: StoredCase, entry: TimelineEntry, on connection: PGConnection) throws {
        let f = stored.facts
        let r = stored.record
        try connection.query("""
            INSERT INTO supervision.cases (id, number, state, version, channel, reporter_id, kind, class_code, condition_id,
                component_code, longitude, latitude, address, description, photos, reported_at, facts, record)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16, $17, $18)
            """, [r.id, r.caseNumber, r.state.rawValue, r.version, f.channel.rawValue, f.reporterId, f.kind.rawValue, f.classCode,
                  f.conditionId, f.componentCode, f.longitude, f.latitude, f.address, f.description, try PGJSON(encoding: f.photos, encoder: encoder),
                  f.reportedAt, try PGJSON(encoding: f, encoder: encoder), try PGJSON(encoding: r, encoder: encoder)])
        try update(stored, on: connection)
        try append(entry, on: connection)
    }

    /// Writes every column derived from facts and record.
    static func update(_ stored: StoredCase, on connection: PGConnection) throws {
        let f = stored.facts
        let r = stored.record
        try connection.query("""
            UPDATE supervision.cases SET state = $2, version = $3, condition_id = $4, grid_code = $5, community_code = $6,
                street_code = $7, district_code = $8, area_class = $9, longitude = $10, latitude = $11,
                current_department = $12, current_dispatch_id = $13, handling_deadline = $14, clock_stage = $15,
                clock_started_at = $16, clock_deadline = $17, clock_warned_at = $18, clock_overdue_at = $19,
                pending_request = $20, rework_count = $21, return_count = $22, extension_count = $23, suspended = $24,
                duplicate_of = $25, duplicate_count = $26, facts = $27, record = $28, clock_basis = $29, channel_reference = $30,
                reopen_count = $31, reopen_referred = $32, kind = $33, class_code = $34, updated_at = now()
            WHERE id = $1
            """, [r.id, r.state.rawValue, r.version, r.conditionId ?? f.conditionId, r.gridCode ?? f.gridCode, f.communityCode,
                  f.streetCode, f.districtCode, f.areaClass?.rawValue, f.longitude, f.latitude,
                  r.currentDepartment, r.currentDispatchId, r.handlingDeadline, r.clock?.stage.rawValue,
                  r.clock?.startedAt, r.clock?.deadline, r.clock?.warnedAt, r.clock?.overdueAt,
                  r.pendingRequest?.kind.rawValue, r.reworkCount, r.returnCount, r.extensionCount, r.isSuspended,
                  r.duplicateOf, stored.duplicateCount, try PGJSON(encoding: f, encoder: encoder), try PGJSON(encoding: r, encoder: encoder),
                  r.clock?.basis.map { PGTextArray($0.tokens) }, f.channelReference, r.reopenCount, r.reopenReferral != nil,
                  f.kind.rawValue, f.classCode])
    }

    /// Appends one workflow entry.
    static func append(_ entry: TimelineEntry, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO supervision.timeline (case_id, sequence, kind, action, from_state, to_state, actor_id, actor_role,
                actor_department, department, at, reason, details, entry)
            VALUES ($1, $2, 'transition', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            """, [entry.caseId, entry.sequence, entry.action.rawValue, entry.from?.rawValue, entry.to.rawValue, entry.actorId,
                  entry.actorRole.rawValue, entry.actorDepartment, entry.department, entry.at, entry.reason,
                  try PGJSON(encoding: entry.details, encoder: encoder), try PGJSON(encoding: entry, encoder: encoder)])
    }

    /// Appends an annotation that is not a state transition (a linked duplicate report).
    static func annotate(_ caseId: UUID, record: CaseRecord, action: String, actorId: String, at: Date, reason: String?,
                         details: [String: String], on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO supervision.timeline (case_id, sequence, kind, action, from_state, to_state, actor_id, actor_role,
                at, reason, details)
            VALUES ($1, $2, 'annotation', $3, $4, $4, $5, 'system', $6, $7, $8)
            """, [caseId, record.version, action, record.state.rawValue, actorId, at, reason,
                  try PGJSON(encoding: details, encoder: encoder)])
    }

    /// What a close is read from: the case's last completion (`complete`: the department's
    /// result and completion photos) and its last passed check (`check_passed`: the check photos).
    static func closingEvidence(_ caseId: UUID, on connection: PGConnection) throws -> ClosingEvidence {
        let rows = try connection.query("""
            SELECT DISTINCT ON (action) action, reason, details FROM supervision.timeline
            WHERE case_id = $1 AND kind = 'transition' AND action IN ('complete', 'check_passed')
            ORDER BY action, id DESC
            """, [caseId]).rows
        var evidence = ClosingEvidence()
        for row in rows {
            let recorded = ClosingEvidence.Recorded(reason: row.optionalString("reason"),
                                                    details: try row.json("details", as: [String: String].self, decoder: decoder))
            switch try row.string("action") {
            case CaseAction.complete.rawValue: evidence.completion = recorded
            default: evidence.check = recorded
            }
        }
        return evidence
    }

    /// The cases whose running clock is due a mark at `now`: overdue, or past `warningFraction`
    /// of its span and not yet warned; soonest deadline first, at most 500.
    static func clocksDue(at now: Date, warningFraction fraction: Double, on connection: PGConnection) throws -> [UUID] {
        try connection.query("""
            SELECT id FROM supervision.cases
            WHERE clock_deadline IS NOT NULL AND (
                (clock_overdue_at IS NULL AND clock_deadline <= $1)
                OR (clock_warned_at IS NULL AND clock_started_at + (clock_deadline - clock_started_at) * $2::float8 <= $1))
            ORDER BY clock_deadline LIMIT 500
            """, [now, fraction]).rows.map { try $0.uuid("id") }
    }

    /// The cases after `after` (by id) whose running clock was counted on a calendar basis other
    /// than `current` (the live calendar's year tokens), at most 200.
    static func clocksOffBasis(_ current: PGTextArray, after from: UUID, on connection: PGConnection) throws -> [UUID] {
        try connection.query("""
            SELECT id FROM supervision.cases
            WHERE clock_deadline IS NOT NULL AND (clock_basis IS NULL OR NOT (clock_basis <@ $1::text[])) AND id > $2
            ORDER BY id LIMIT 200
            """, [current, from]).rows.map { try $0.uuid("id") }
    }

    /// The case's timeline, in the order it was written.
    static func timeline(_ caseId: UUID, on connection: PGConnection) throws -> [TimelineRow] {
        let photos = try EvidenceStore.entryPhotos(caseId, on: connection)
        return try connection.query("""
            SELECT id, sequence, kind, action, from_state, to_state, actor_id, actor_role, actor_department, department, at, reason,
                   details, entry
            FROM supervision.timeline WHERE case_id = $1 ORDER BY id
            """, [caseId]).rows.map { row in
            let entry = row.optionalString("entry").flatMap { try? decoder.decode(TimelineEntry.self, from: Data($0.utf8)) }
            return TimelineRow(sequence: try row.int("sequence"), kind: try row.string("kind"), action: try row.string("action"),
                               from: row.optionalString("from_state"), to: try row.string("to_state"), actorId: try row.string("actor_id"),
                               actorRole: try row.string("actor_role"), actorDepartment: row.optionalString("actor_department"),
                               department: row.optionalString("department"), at: try row.date("at"), reason: row.optionalString("reason"),
                               details: (try? row.json("details", as: [String: String].self)) ?? [:],
                               stoppedClock: entry?.stoppedClock, startedClock: entry?.startedClock, photos: photos[try row.int("id")])
        }
    }
}

/// The entries a closed case's resolution is taken from (``CaseStore/closingEvidence(_:on:)``).
struct ClosingEvidence {
    /// One recorded entry: its free text and its details.
    struct Recorded {
        var reason: String?
        var details: [String: String]

        /// A list detail (photo URLs), empty if absent.
        func list(_ key: TimelineDetail) -> [String] {
            details[key].map { $0.split(separator: " ").map(String.init) } ?? []
        }
    }

    var completion: Recorded?
    var check: Recorded?
}
