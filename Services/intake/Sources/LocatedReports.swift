import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// `intake.locations`: grid-routing's `CaseLocated` for intake's own reports. Intake keeps where
/// each of its cases was located (so address-only reports become duplicate candidates too) and,
/// the first time a report is located, decides whether it repeats an earlier case
/// (``RepeatDetector``). Intake owns that decision; it reads nothing but its own rows.
enum LocatedReports {
    static let queue = "intake.locations"

    static func consumer(_ detector: RepeatDetector) -> ConsumerDefinition {
        ConsumerDefinition(
            queue: queue,
            bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: CaseLocated.routingKey)],
            handlers: [
                CaseLocated.eventType: { message, context in
                    let located = try message.payload(CaseLocated.self)
                    let decision = try detector.located(located, at: context.now, connection: context.connection, outbox: context.outbox)
                    if let decision {
                        context.logger.info("repeat found after locating", metadata: [
                            "case_id": "\(located.caseId)", "repeat_of": "\(decision.repeatOf.caseId)",
                            "relation": "\(decision.relation.rawValue)", "basis": "\(decision.basis.rawValue)",
                        ])
                    }
                },
            ])
    }
}

/// Decides, when a report is first located, whether it repeats an earlier case, and follows
/// supervision's answer. Every method runs in the caller's transaction.
public struct RepeatDetector: Sendable {
    public let rules: RepeatRules

    public init(rules: RepeatRules) { self.rules = rules }

    /// Records where the case was located; the first time, decides on a repeat and publishes
    /// ``RepeatFound`` with the decision stored on the report (one transaction). A report that is
    /// not a case of intake's, that has ended or was linked, a supervisor's fix on the spot, a
    /// case resolved at intake, and a case waiting for the acceptor (its class is nobody's
    /// choice yet) are only located.
    func located(_ located: CaseLocated, at now: Date, connection c: PGConnection, outbox: OutboxWriter) throws -> RepeatRules.Decision? {
        guard let report = try RepeatStore.reportForLocating(located.caseId, on: c) else { return nil }
        try RepeatStore.recordLocation(located, at: now, on: c)
        guard report.firstLocated, report.status == .open, report.decidable else { return nil }
        let point = GeoPoint(lon: located.longitude, lat: located.latitude)
        // The same locks as duplicate detection at submission, around the located point: the
        // decisions about reports of one class near each other never run side by side. A repeat
        // call is decided per caller: two calls of one caller wait for each other.
        if report.ownPoint == nil { try rules.duplicates.lock(kind: report.kind.rawValue, classCode: report.classCode, around: point, on: c) }
        if let caller = report.callerHash, rules.callWindow > 0 {
            try c.query("SELECT pg_advisory_xact_lock($1)", [DuplicatePolicy.lockKey("caller:\(caller)")])
        }
        var decision: RepeatRules.Decision?
        if report.ownPoint == nil, rules.duplicates.radiusMeters > 0 {
            let (candidates, grids) = try RepeatStore.openCandidates(kind: report.kind, classCode: report.classCode, around: point,
                                                                     policy: rules.duplicates, reportedAt: report.reportedAt,
                                                                     excluding: report.caseId, withOwnCoordinates: true, on: c)
            decision = rules.placeDuplicate(point: point, gridCode: located.gridCode, at: report.reportedAt, among: candidates, grids: grids)
        }
        if decision == nil, let caller = report.callerHash, rules.callWindow > 0 {
            let earlier = try RepeatStore.earlierCalls(caller, before: report, since: report.reportedAt.addingTimeInterval(-rules.callWindow), on: c)
            decision = rules.repeatCall(kind: report.kind, classCode: report.classCode, at: report.reportedAt,
                                        place: RepeatRules.Place(point: point, gridCode: located.gridCode), earlier: earlier)
        }
        guard let decision else { return nil }
        try RepeatStore.recordDecision(decision, for: report.caseId, on: c)
        try outbox.publish(RepeatFound(caseId: report.caseId, caseNumber: report.caseNumber, repeatOf: decision.repeatOf,
                                       relation: decision.relation, basis: decision.basis, channel: report.channel, kind: report.kind,
                                       classCode: report.classCode, reportedAt: report.reportedAt, distanceMeters: decision.distanceMeters,
                                       sameGrid: decision.sameGrid, foundAt: now),
                           subject: report.caseId.uuidString.lowercased(), at: now)
        return decision
    }

    /// Supervision ended a case as a duplicate (`link_duplicate`): its report becomes `linked` to
    /// the case it repeats, as if it had been linked at submission — Open311, the reporter's
    /// status lookup and the channel's later notices follow that case — and `DuplicateLinked`
    /// tells the rest (the original's repeat count, assessment's complaints). Runs before the
    /// channel notices of the same entry. Returns whether the report was linked now.
    @discardableResult
    static func followLink(_ event: CaseTransitioned, connection c: PGConnection, outbox: OutboxWriter) throws -> Bool {
        let entry = event.entry
        guard entry.action == .linkDuplicate, entry.from != entry.to, let original = entry.uuid(.duplicateOf) else { return false }
        guard let linked = try RepeatStore.link(entry.caseId, to: original, sequence: entry.sequence, at: entry.at, on: c) else { return false }
        var message = DuplicateLinked(reportId: linked.caseId, duplicateOf: original, duplicateOfNumber: linked.originalNumber,
                                      channel: linked.channel, kind: linked.kind, classCode: linked.classCode,
                                      distanceMeters: linked.distanceMeters, reportedAt: linked.reportedAt)
        message.basis = linked.basis
        try outbox.publish(message, subject: original.uuidString.lowercased(), at: entry.at)
        return true
    }
}

/// intake's SQL for locations, callers and repeats (`intake.reports`, migrations 118–119).
enum RepeatStore {
    /// A report as the repeat decision needs it.
    struct LocatingReport {
        var caseId: UUID
        var caseNumber: String
        var channel: ReportChannel
        var kind: ClassKind
        var classCode: String
        var status: ReportStatus
        var ownPoint: GeoPoint?
        var reportedAt: Date
        var receivedAt: Date
        var callerHash: String?
        var firstLocated: Bool
        /// Not a supervisor's fix on the spot, not resolved at intake, not waiting for the acceptor.
        var decidable: Bool
    }

    /// Stores the caller's hash on a report just stored (nothing when the contact holds no number).
    static func rememberCaller(_ hash: String?, caseId: UUID, on c: PGConnection) throws {
        guard let hash else { return }
        try c.query("UPDATE intake.reports SET caller_hash = $2 WHERE case_id = $1", [caseId, hash])
    }

    static func reportForLocating(_ caseId: UUID, on c: PGConnection) throws -> LocatingReport? {
        guard let row = try c.query("""
            SELECT case_id, case_number, channel, kind, class_code, status, lon, lat, reported_at, received_at, caller_hash,
                   located_at, self_handled, handled_at_intake, class_source, hotline_category
            FROM intake.reports WHERE case_id = $1 FOR UPDATE
            """, [caseId]).first else { return nil }
        guard let channel = ReportChannel(rawValue: try row.string("channel")), let kind = ClassKind(rawValue: try row.string("kind")),
              let status = ReportStatus(rawValue: try row.string("status")) else {
            throw PGError(.decoding, "intake.reports \(caseId) holds an unknown channel, kind or status")
        }
        let point = row.optionalDouble("lon").flatMap { lon in row.optionalDouble("lat").map { GeoPoint(lon: lon, lat: $0) } }
        let held = AcceptorHold.required(classSource: row.optionalString("class_source").flatMap(ClassSource.init(rawValue:)),
                                         hotlineCategory: try category(row))
        let spotFix = (row.optionalString("self_handled") == "t") || (row.optionalString("handled_at_intake") == "t")
        return LocatingReport(caseId: try row.uuid("case_id"), caseNumber: try row.string("case_number"), channel: channel, kind: kind,
                              classCode: try row.string("class_code"), status: status, ownPoint: point, reportedAt: try row.date("reported_at"),
                              receivedAt: try row.date("received_at"), callerHash: row.optionalString("caller_hash"),
                              firstLocated: row.optionalDate("located_at") == nil, decidable: !held && !spotFix)
    }

    static func category(_ row: PGRow) throws -> HotlineCategoryDecision? {
        try row.optionalString("hotline_category").map { try JSONDecoder().decode(HotlineCategoryDecision.self, from: Data($0.utf8)) }
    }

    /// Where grid-routing located the case (a later location replaces an earlier one).
    static func recordLocation(_ located: CaseLocated, at now: Date, on c: PGConnection) throws {
        try c.query("""
            UPDATE intake.reports SET located_lon = $2, located_lat = $3, located_grid = $4, located_at = coalesce(located_at, $5)
            WHERE case_id = $1
            """, [located.caseId, located.longitude, located.latitude, located.gridCode, now])
    }

    /// Open cases of a kind and class with a point inside the radius's box around `point`,
    /// reported within the window of `reportedAt`: those located by grid-routing from an address
    /// and, with `withOwnCoordinates`, those reported with coordinates. Left out: `excluding`, a
    /// case already held for a duplicate of another (it is about to end), and a case waiting for
    /// the acceptor (its class is nobody's choice yet). Returns the candidates and their grids.
    static func openCandidates(kind: ClassKind, classCode: String, around point: GeoPoint, policy: DuplicatePolicy, reportedAt: Date,
                               excluding: UUID?, withOwnCoordinates: Bool, on c: PGConnection) throws -> ([DuplicatePolicy.Candidate], [UUID: String]) {
        let box = GeoDistance.box(around: point, radiusMeters: policy.radiusMeters)
        let parameters: [any PGEncodable] = [kind.rawValue, classCode, box.min.lon, box.max.lon, box.min.lat, box.max.lat,
                                                       reportedAt.addingTimeInterval(-policy.window), reportedAt.addingTimeInterval(policy.window),
                                                       excluding]
        let common = """
            status = 'open' AND kind = $1 AND class_code = $2 AND reported_at BETWEEN $7 AND $8
              AND repeat_relation IS DISTINCT FROM 'duplicate' AND ($9::uuid IS NULL OR case_id <> $9::uuid)
            """
        var rows = try c.query("""
            SELECT case_id, case_number, located_lon AS x, located_lat AS y, located_grid, reported_at, class_source, hotline_category
            FROM intake.reports
            WHERE \(common) AND lon IS NULL AND located_lon BETWEEN $3 AND $4 AND located_lat BETWEEN $5 AND $6
            """, parameters).rows
        if withOwnCoordinates {
            rows += try c.query("""
                SELECT case_id, case_number, lon AS x, lat AS y, located_grid, reported_at, class_source, hotline_category
                FROM intake.reports
                WHERE \(common) AND lon BETWEEN $3 AND $4 AND lat BETWEEN $5 AND $6
                """, parameters).rows
        }
        var candidates: [DuplicatePolicy.Candidate] = []
        var grids: [UUID: String] = [:]
        for row in rows {
            let held = AcceptorHold.required(classSource: row.optionalString("class_source").flatMap(ClassSource.init(rawValue:)),
                                             hotlineCategory: try category(row))
            guard !held else { continue }
            let id = try row.uuid("case_id")
            candidates.append(DuplicatePolicy.Candidate(caseId: id, caseNumber: try row.string("case_number"),
                                                        point: GeoPoint(lon: try row.double("x"), lat: try row.double("y")),
                                                        reportedAt: try row.date("reported_at")))
            grids[id] = row.optionalString("located_grid")
        }
        return (candidates, grids)
    }

    /// The caller's earlier reports (received before `report`, reported since `since`), each
    /// resolved to its case: its own, or the case it was linked to. A linked report's place is
    /// its own point, else its case's.
    static func earlierCalls(_ callerHash: String, before report: LocatingReport, since: Date, on c: PGConnection) throws -> [RepeatRules.EarlierCall] {
        try c.query("""
            SELECT r.reported_at, r.kind, r.class_code,
                   coalesce(r.lon, r.located_lon, o.lon, o.located_lon) AS x, coalesce(r.lat, r.located_lat, o.lat, o.located_lat) AS y,
                   coalesce(r.located_grid, o.located_grid) AS grid,
                   coalesce(o.case_id, r.case_id) AS case_id, coalesce(o.case_number, r.case_number) AS case_number,
                   coalesce(o.status, r.status) AS case_status
            FROM intake.reports r LEFT JOIN intake.reports o ON o.case_id = r.duplicate_of
            WHERE r.caller_hash = $1 AND r.case_id <> $2 AND r.received_at < $3 AND r.reported_at >= $4
            ORDER BY r.reported_at DESC LIMIT 200
            """, [callerHash, report.caseId, report.receivedAt, since]).rows.compactMap { row in
            guard let kind = ClassKind(rawValue: try row.string("kind")) else { return nil }
            let point = row.optionalDouble("x").flatMap { x in row.optionalDouble("y").map { GeoPoint(lon: x, lat: $0) } }
            return RepeatRules.EarlierCall(reportedAt: try row.date("reported_at"), kind: kind, classCode: try row.string("class_code"),
                                           place: RepeatRules.Place(point: point, gridCode: row.optionalString("grid")),
                                           repeatOf: CaseReference(caseId: try row.uuid("case_id"), caseNumber: try row.string("case_number")),
                                           caseOpen: try row.string("case_status") == ReportStatus.open.rawValue)
        }
    }

    static func recordDecision(_ decision: RepeatRules.Decision, for caseId: UUID, on c: PGConnection) throws {
        try c.query("""
            UPDATE intake.reports SET repeat_of = $2, repeat_relation = $3, repeat_basis = $4, repeat_distance_m = $5
            WHERE case_id = $1
            """, [caseId, decision.repeatOf.caseId, decision.relation.rawValue, decision.basis.rawValue, decision.distanceMeters])
    }

    /// A report linked after locating, as `DuplicateLinked` needs it.
    struct Linked {
        var caseId: UUID
        var originalNumber: String
        var channel: ReportChannel
        var kind: ClassKind
        var classCode: String
        var distanceMeters: Double?
        var reportedAt: Date
        var basis: RepeatBasis?
    }

    /// Makes the report of a case ended by `link_duplicate` a linked report of `original`; its
    /// later notices continue after the link's `sequence`. Nothing when it is linked already (the
    /// same entry again) or `original` is not a report of intake's.
    static func link(_ caseId: UUID, to original: UUID, sequence: Int, at: Date, on c: PGConnection) throws -> Linked? {
        guard let row = try c.query("""
            UPDATE intake.reports r
            SET status = 'linked', duplicate_of = o.case_id, duplicate_distance_m = r.repeat_distance_m, final_state = NULL,
                linked_sequence = $3, updated_at = GREATEST(r.updated_at, $4)
            FROM intake.reports o
            WHERE r.case_id = $1 AND o.case_id = $2 AND r.status IN ('open', 'closed')
            RETURNING r.case_id, o.case_number AS original_number, r.channel, r.kind, r.class_code, r.repeat_distance_m, r.reported_at,
                      r.repeat_basis
            """, [caseId, original, sequence, at]).first else { return nil }
        guard let channel = ReportChannel(rawValue: try row.string("channel")), let kind = ClassKind(rawValue: try row.string("kind")) else {
            throw PGError(.decoding, "intake.reports \(caseId) holds an unknown channel or kind")
        }
        return Linked(caseId: try row.uuid("case_id"), originalNumber: try row.string("original_number"), channel: channel, kind: kind,
                      classCode: try row.string("class_code"), distanceMeters: row.optionalDouble("repeat_distance_m"),
                      reportedAt: try row.date("reported_at"), basis: row.optionalString("repeat_basis").flatMap(RepeatBasis.init(rawValue:)))
    }
}
