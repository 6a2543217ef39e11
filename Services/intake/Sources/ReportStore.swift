import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// A stored report: a case of its own (`open`) or a duplicate linked to one (`linked`).
public struct StoredReport: Sendable, Equatable {
    public var caseId: UUID
    public var caseNumber: String
    public var channel: String
    public var channelReference: String?
    public var reporterId: String?
    public var kind: String
    public var classCode: String
    public var conditionId: String?
    public var componentCode: String?
    public var longitude: Double?
    public var latitude: Double?
    public var address: String?
    public var description: String
    public var photos: [Photo]
    public var reportedAt: Date
    public var receivedAt: Date
    public var status: ReportStatus
    public var duplicateOf: UUID?
    public var duplicateDistanceMeters: Double?
    /// The reporter's coordinates as sent, with their system (`longitude`/`latitude` are WGS84).
    public var originalLocation: OriginalLocation?

    static let columns = """
        case_id, case_number, channel, channel_reference, reporter_id, kind, class_code, condition_id, component_code,
        lon, lat, address, description, photos, reported_at, received_at, status, duplicate_of, duplicate_distance_m,
        original_lon, original_lat, coordinate_system
        """

    init(row: PGRow) throws {
        caseId = try row.uuid("case_id")
        caseNumber = try row.string("case_number")
        channel = try row.string("channel")
        channelReference = row.optionalString("channel_reference")
        reporterId = row.optionalString("reporter_id")
        kind = try row.string("kind")
        classCode = try row.string("class_code")
        conditionId = row.optionalString("condition_id")
        componentCode = row.optionalString("component_code")
        longitude = row.optionalDouble("lon")
        latitude = row.optionalDouble("lat")
        address = row.optionalString("address")
        description = try row.string("description")
        photos = try row.json("photos", as: [Photo].self)
        reportedAt = try row.date("reported_at")
        receivedAt = try row.date("received_at")
        let statusText = try row.string("status")
        guard let status = ReportStatus(rawValue: statusText) else {
            throw PGError(.decoding, "intake.reports holds an unknown status '\(statusText)'")
        }
        self.status = status
        duplicateOf = row.optionalUUID("duplicate_of")
        duplicateDistanceMeters = row.optionalDouble("duplicate_distance_m")
        if let name = row.optionalString("coordinate_system") {
            guard let system = CoordinateSystem(rawValue: name), let lon = row.optionalDouble("original_lon"),
                  let lat = row.optionalDouble("original_lat")
            else { throw PGError(.decoding, "intake.reports holds an unknown coordinate system '\(name)' or half an original point") }
            originalLocation = OriginalLocation(longitude: lon, latitude: lat, system: system)
        }
    }
}

/// Where a report stands in intake (`intake.reports.status`; the SQL keeps the same words).
public enum ReportStatus: String, Codable, Sendable, CaseIterable {
    /// A case of its own, still open: later reports of the same class nearby link to it.
    case open
    /// A repeat of an open case (`duplicate_of`); never a case of its own.
    case linked
    /// The case reached a terminal state.
    case closed
}

/// The outcome of accepting a report.
public struct AcceptOutcome: Sendable, Equatable {
    public var report: StoredReport
    /// false when an earlier identical submission (same idempotency key or channel reference) was found.
    public var created: Bool
}

/// Turns validated reports into stored cases and their events. Every method runs on a
/// connection inside the caller's transaction, so the HTTP route and the AMQP consumer share it.
public struct ReportStore: Sendable {
    public let numbering: CaseNumbering
    public let duplicates: DuplicatePolicy
    /// Tells the report's channel it was signed for (签收), when the channel has a return address.
    public let notices: ChannelNoticeWriter
    /// Hashes the caller's phone number for repeat calls (重复来电); `nil` stores no hash.
    public let callers: CallerKey?

    public init(numbering: CaseNumbering, duplicates: DuplicatePolicy, notices: ChannelNoticeWriter, callers: CallerKey? = nil) {
        self.numbering = numbering
        self.duplicates = duplicates
        self.notices = notices
        self.callers = callers
    }

    /// The report an earlier submission with the same idempotency key or channel reference created.
    public func existing(_ c: PGConnection, channel: ReportChannel, idempotencyKey: String?, channelReference: String?) throws -> StoredReport? {
        guard idempotencyKey != nil || channelReference != nil else { return nil }
        return try c.query("""
            SELECT \(StoredReport.columns) FROM intake.reports
            WHERE channel = $1 AND (idempotency_key = $2 OR channel_reference = $3)
            ORDER BY received_at LIMIT 1
            """, [channel.rawValue, idempotencyKey, channelReference]).first.map(StoredReport.init(row:))
    }

    public func find(_ c: PGConnection, caseId: UUID) throws -> StoredReport? {
        try c.query("SELECT \(StoredReport.columns) FROM intake.reports WHERE case_id = $1", [caseId]).first.map(StoredReport.init(row:))
    }

    /// Stores the report as a new case (publishing `CaseReported`) or links it to a nearby open
    /// case of the same class (publishing `DuplicateLinked`), unless it was already stored.
    public func accept(_ report: ValidReport, idempotencyKey: String?, now: Date, connection c: PGConnection, outbox: OutboxWriter) throws -> AcceptOutcome {
        if let found = try existing(c, channel: report.channel, idempotencyKey: idempotencyKey, channelReference: report.channelReference) {
            return AcceptOutcome(report: found, created: false)
        }
        var match: (DuplicatePolicy.Candidate, Double)?
        // A report that waits for the acceptor has no class anyone chose yet (or is not ours):
        // linking it to an open case of its provisional class would decide for the acceptor.
        if let point = report.point, !report.awaitsAcceptor {
            // Serialises duplicate detection among reports of one class near each other, so two
            // simultaneous reports of the same spill cannot both open a case.
            try duplicates.lock(kind: report.kind.rawValue, classCode: report.classCode, around: point, on: c)
            match = try duplicateCandidate(c, report: report, point: point)
        }
        let day = numbering.day(of: now)
        let n = try c.query("""
            INSERT INTO intake.case_number_days (day, n) VALUES ($1::date, 1)
            ON CONFLICT (day) DO UPDATE SET n = intake.case_number_days.n + 1
            RETURNING n
            """, [day]).first!.int("n")
        let caseId = UUID()
        let caseNumber = numbering.format(date: now, sequence: n)
        let status: ReportStatus = match == nil ? .open : .linked
        try c.query("""
            INSERT INTO intake.reports (case_id, case_number, channel, channel_reference, idempotency_key, reporter_id, reporter_contact,
                kind, class_code, condition_id, component_code, lon, lat, address, description, photos, reported_at, received_at,
                requires_verification, self_handled, handled_at_intake, status, duplicate_of, duplicate_distance_m, updated_at,
                class_source, hotline_category, original_lon, original_lat, coordinate_system)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17, $18, $19, $20, $21, $22, $23, $24, $18,
                    $25, $26::jsonb, $27, $28, $29)
            """, [caseId, caseNumber, report.channel.rawValue, report.channelReference, idempotencyKey, report.reporterId, report.reporterContact,
                  report.kind.rawValue, report.classCode, report.conditionId, report.componentCode, report.location.longitude,
                  report.location.latitude, report.location.address, report.description, try PGJSON(encoding: report.photos), report.reportedAt, now,
                  report.channel.requiresVerification, report.selfHandled, report.handledAtIntake, status.rawValue, match?.0.caseId, match?.1,
                  report.classSource.rawValue, try report.hotlineCategory.map { try PGJSON(encoding: $0) },
                  report.originalLocation?.longitude, report.originalLocation?.latitude, report.originalLocation?.system.rawValue])
        try RepeatStore.rememberCaller(callers?.hash(contact: report.reporterContact), caseId: caseId, on: c)
        if let (original, distance) = match {
            var link = DuplicateLinked(reportId: caseId, duplicateOf: original.caseId, duplicateOfNumber: original.caseNumber,
                                       channel: report.channel, kind: report.kind, classCode: report.classCode,
                                       distanceMeters: (distance * 10).rounded() / 10, reportedAt: report.reportedAt)
            // The repeat's photos go along: supervision keeps them on the original case.
            link.photos = report.photos.isEmpty ? nil : report.photos
            _ = try outbox.publish(link, subject: original.caseId.uuidString.lowercased(), at: now)
        } else {
            var reported = CaseReported(caseId: caseId, caseNumber: caseNumber, channel: report.channel, channelReference: report.channelReference,
                                        reporterId: report.reporterId, reporterContact: report.reporterContact, kind: report.kind,
                                        classCode: report.classCode, conditionId: report.conditionId, componentCode: report.componentCode,
                                        location: report.location, description: report.description, photos: report.photos,
                                        reportedAt: report.reportedAt, requiresVerification: report.channel.requiresVerification,
                                        selfHandled: report.selfHandled, handledAtIntake: report.handledAtIntake)
            reported.hotlineCategory = report.hotlineCategory
            // Absent means the reporter chose the class, so reports without a category stay as they were.
            reported.classSource = report.classSource == .reporter ? nil : report.classSource
            reported.suggestions = report.suggestions
            reported.originalLocation = report.originalLocation
            _ = try outbox.publish(reported, subject: caseId.uuidString.lowercased(), at: now)
        }
        guard let stored = try find(c, caseId: caseId) else { throw PGError(.decoding, "report \(caseId) vanished after insert") }
        try notices.signedFor(stored, linkedCaseNumber: match?.0.caseNumber, at: now, connection: c, outbox: outbox)
        return AcceptOutcome(report: stored, created: true)
    }

    /// Open cases of the same class inside the radius's bounding box and the time window.
    func duplicateCandidate(_ c: PGConnection, report: ValidReport, point: GeoPoint) throws -> (DuplicatePolicy.Candidate, Double)? {
        guard duplicates.radiusMeters > 0 else { return nil }
        let box = GeoDistance.box(around: point, radiusMeters: duplicates.radiusMeters)
        let rows = try c.query("""
            SELECT case_id, case_number, lon, lat, reported_at FROM intake.reports
            WHERE status = 'open' AND kind = $1 AND class_code = $2
              AND lon BETWEEN $3 AND $4 AND lat BETWEEN $5 AND $6
              AND reported_at BETWEEN $7 AND $8
              AND repeat_relation IS DISTINCT FROM 'duplicate'
            """, [report.kind.rawValue, report.classCode, box.min.lon, box.max.lon, box.min.lat, box.max.lat,
                  report.reportedAt.addingTimeInterval(-duplicates.window), report.reportedAt.addingTimeInterval(duplicates.window)]).rows
        var candidates = try rows.map {
            DuplicatePolicy.Candidate(caseId: try $0.uuid("case_id"), caseNumber: try $0.string("case_number"),
                                      point: GeoPoint(lon: try $0.double("lon"), lat: try $0.double("lat")), reportedAt: try $0.date("reported_at"))
        }
        // Address-only reports count from the point grid-routing located them at.
        candidates += try RepeatStore.openCandidates(kind: report.kind, classCode: report.classCode, around: point, policy: duplicates,
                                                     reportedAt: report.reportedAt, excluding: nil, withOwnCoordinates: false, on: c).0
        return duplicates.match(point: point, at: report.reportedAt, among: candidates)
    }

    /// Copies a supervision timeline entry onto the report: every change of state moves
    /// `updated_at` and the current state (with the entry's reason, for the public status note);
    /// a terminal state closes it and a reopening (重办: closed → in handling) opens it again, so
    /// Open311 and the reporter's status lookup follow the case back into handling. A mark that
    /// changes no state (a warning, a return visit kept closed) moves nothing, and an older entry
    /// (one that arrives after a later one) never moves anything backwards. Returns the number of
    /// rows changed.
    static func followStatus(of entry: TimelineEntry, connection: PGConnection) throws -> Int {
        guard entry.from != entry.to else { return 0 }
        return try connection.query("""
            UPDATE intake.reports
            SET status = CASE WHEN $2 THEN 'closed' ELSE 'open' END,
                final_state = CASE WHEN $2 THEN $3 END,
                current_state = $3, state_reason = $5, state_at = $4,
                updated_at = GREATEST(updated_at, $4)
            WHERE case_id = $1 AND status IN ('open', 'closed') AND (state_at IS NULL OR state_at <= $4)
            """, [entry.caseId, entry.to.isTerminal, entry.to.rawValue, entry.at, entry.reason]).affectedRows
    }
}
