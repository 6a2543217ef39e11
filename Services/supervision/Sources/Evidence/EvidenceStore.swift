import CityGridModel
import Foundation
import PGClient

/// SQL for `supervision.evidence` (one row per upload) and `supervision.entry_photos` (the photos
/// each timeline entry holds, uploads and external URLs alike), on the caller's connection.
enum EvidenceStore {
    static let columns = """
        id, sha256, media_type, media_kind, size_bytes, file_name, captured_at, longitude, latitude,
        uploaded_by, uploaded_role, uploaded_scope, uploaded_at, attached_at
        """

    /// Serialises everything that writes or removes the file of one content address, for the
    /// rest of the transaction: an upload of the same bytes and the sweep removing the last
    /// record of a file cannot interleave.
    static func lock(_ address: ContentAddress, on connection: PGConnection) throws {
        try connection.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["supervision.evidence:\(address.sha256)"])
    }

    static func insert(_ record: EvidenceRecord, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO supervision.evidence (\(columns))
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            """, [record.id, record.sha256, record.mediaType.rawValue, record.kind.rawValue, record.sizeBytes, record.fileName,
                  record.capturedAt, record.longitude, record.latitude, record.uploadedBy, record.uploadedRole.rawValue,
                  record.uploadedScope, record.uploadedAt, record.attachedAt])
    }

    static func find(_ id: UUID, on connection: PGConnection) throws -> EvidenceRecord? {
        try connection.query("SELECT \(columns) FROM supervision.evidence WHERE id = $1", [id]).first.map(decode)
    }

    static func decode(_ row: PGRow) throws -> EvidenceRecord {
        let type = try row.string("media_type")
        let role = try row.string("uploaded_role")
        guard let mediaType = MediaType(rawValue: type), let kind = MediaType.Kind(rawValue: try row.string("media_kind")),
              let uploadedRole = Role(rawValue: role) else {
            throw PGError(.decoding, "evidence row with media type \(type), role \(role)")
        }
        return EvidenceRecord(id: try row.uuid("id"), sha256: try row.string("sha256"), mediaType: mediaType, kind: kind,
                              sizeBytes: try row.int("size_bytes"), fileName: row.optionalString("file_name"),
                              capturedAt: row.optionalDate("captured_at"), longitude: row.optionalDouble("longitude"),
                              latitude: row.optionalDouble("latitude"), uploadedBy: try row.string("uploaded_by"), uploadedRole: uploadedRole,
                              uploadedScope: try row.string("uploaded_scope"), uploadedAt: try row.date("uploaded_at"),
                              attachedAt: row.optionalDate("attached_at"))
    }

    /// How many records hold the file at `address`.
    static func count(_ address: ContentAddress, on connection: PGConnection) throws -> Int {
        try connection.query("SELECT count(*) AS n FROM supervision.evidence WHERE sha256 = $1", [address.sha256]).first?.int("n") ?? 0
    }

    /// The cases whose timelines show the upload.
    static func cases(showing id: UUID, on connection: PGConnection) throws -> [UUID] {
        try connection.query("SELECT DISTINCT case_id FROM supervision.entry_photos WHERE evidence_id = $1", [id]).rows.map { try $0.uuid("case_id") }
    }

    /// The id of a case's workflow entry `sequence`.
    static func transitionId(_ caseId: UUID, sequence: Int, on connection: PGConnection) throws -> Int? {
        try connection.query("SELECT id FROM supervision.timeline WHERE case_id = $1 AND kind = 'transition' AND sequence = $2",
                             [caseId, sequence]).first?.int("id")
    }

    /// The id of the case's newest annotation `action`: the one just written, since every writer
    /// of a case's timeline holds the case's row lock.
    static func latestAnnotationId(_ caseId: UUID, action: String, on connection: PGConnection) throws -> Int? {
        try connection.query("""
            SELECT id FROM supervision.timeline WHERE case_id = $1 AND kind = 'annotation' AND action = $2 ORDER BY id DESC LIMIT 1
            """, [caseId, action]).first?.int("id")
    }

    /// Records `photos` on timeline row `timelineId`, in order, and marks the uploads among them
    /// attached. Returns the upload ids the photos named that are not held here.
    @discardableResult
    static func attach(_ photos: [Photo], caseId: UUID, timelineId: Int, at: Date, on connection: PGConnection) throws -> [UUID] {
        let named = photos.compactMap { EvidenceReference.id(in: $0.url) }
        var held: Set<UUID> = []
        if !named.isEmpty {
            held = Set(try connection.query("""
                UPDATE supervision.evidence SET attached_at = coalesce(attached_at, $2)
                WHERE id = ANY($1::uuid[]) RETURNING id
                """, [PGTextArray(named.map { $0.uuidString.lowercased() }), at]).rows.map { try $0.uuid("id") })
        }
        for (position, photo) in photos.enumerated() {
            let evidence = EvidenceReference.id(in: photo.url).flatMap { held.contains($0) ? $0 : nil }
            try connection.query("""
                INSERT INTO supervision.entry_photos (timeline_id, position, case_id, purpose, url, evidence_id, attached_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (timeline_id, position) DO NOTHING
                """, [timelineId, position, caseId, photo.purpose.rawValue, photo.url, evidence, at])
        }
        return named.filter { !held.contains($0) }
    }

    /// Marks uploads attached without an entry showing them (see `CaseEngine.keepPhotos`).
    static func keep(_ ids: [UUID], at: Date, on connection: PGConnection) throws {
        guard !ids.isEmpty else { return }
        try connection.query("UPDATE supervision.evidence SET attached_at = coalesce(attached_at, $2) WHERE id = ANY($1::uuid[])",
                             [PGTextArray(ids.map { $0.uuidString.lowercased() }), at])
    }

    /// Which of `ids` are held here.
    static func held(_ ids: [UUID], on connection: PGConnection) throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        return Set(try connection.query("SELECT id FROM supervision.evidence WHERE id = ANY($1::uuid[])",
                                        [PGTextArray(ids.map { $0.uuidString.lowercased() })]).rows.map { try $0.uuid("id") })
    }

    /// The photos of every entry of a case, by timeline row id, in order.
    static func entryPhotos(_ caseId: UUID, on connection: PGConnection) throws -> [Int: [EntryPhoto]] {
        let rows = try connection.query("""
            SELECT p.timeline_id, p.purpose, p.url, p.evidence_id, e.sha256, e.media_type, e.size_bytes, e.captured_at, e.longitude, e.latitude
            FROM supervision.entry_photos p LEFT JOIN supervision.evidence e ON e.id = p.evidence_id
            WHERE p.case_id = $1 ORDER BY p.timeline_id, p.position
            """, [caseId]).rows
        var photos: [Int: [EntryPhoto]] = [:]
        for row in rows {
            let evidence = row.optionalUUID("evidence_id")
            let photo = EntryPhoto(url: try row.string("url"), purpose: PhotoPurpose(rawValue: try row.string("purpose")) ?? .report,
                                   evidenceId: evidence, href: evidence.map(EvidenceReference.path), sha256: row.optionalString("sha256"),
                                   mediaType: row.optionalString("media_type"), sizeBytes: row.optionalInt("size_bytes"),
                                   capturedAt: row.optionalDate("captured_at"),
                                   location: EvidenceLocation(longitude: row.optionalDouble("longitude"), latitude: row.optionalDouble("latitude")))
            let timeline = try row.int("timeline_id")
            photos[timeline, default: []].append(photo)
        }
        return photos
    }

    /// Removes up to `limit` uploads that no entry references and that were uploaded before
    /// `cutoff`; returns their content addresses. Rows a concurrent attach holds are skipped.
    static func deleteOrphans(uploadedBefore cutoff: Date, limit: Int, on connection: PGConnection) throws -> [(id: UUID, address: ContentAddress)] {
        try connection.query("""
            DELETE FROM supervision.evidence WHERE id IN (
                SELECT id FROM supervision.evidence WHERE attached_at IS NULL AND uploaded_at < $1
                ORDER BY uploaded_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING id, sha256
            """, [cutoff, limit]).rows.compactMap { row -> (id: UUID, address: ContentAddress)? in
            guard let address = ContentAddress(hex: try row.string("sha256")) else { return nil }
            return (id: try row.uuid("id"), address: address)
        }
    }
}
