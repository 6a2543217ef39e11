import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// Where the phone was, as its GPS said (WGS84, the receivers' own system), and how sure it was.
struct FieldPosition: Codable, Sendable, Equatable {
    var longitude: Double
    var latitude: Double
    /// The receiver's stated horizontal accuracy, metres.
    var accuracyMeters: Double
}

/// What a phone submits. Every submission carries the phone's own id for it (`clientId`), so a
/// phone that was offline can send its queue again without anything happening twice.
protocol PhoneSubmission: Codable, Sendable, Equatable {
    static var kind: PhoneSubmissionKind { get }
    var clientId: String { get }
    var photos: [Photo] { get }
    var capturedAt: Date? { get }
}

enum PhoneSubmissionKind: String, Codable, Sendable {
    case report, verification, check

    /// The purposes a photo of this submission may declare.
    var photoPurposes: [PhotoPurpose] {
        switch self {
        case .report: return PhotoPurpose.reportPurposes
        case .verification: return [.verification]
        case .check: return [.check]
        }
    }
}

/// 上报: a problem found on patrol. Handed to intake as a supervisor-channel report.
struct FieldReport: PhoneSubmission {
    static let kind = PhoneSubmissionKind.report
    var clientId: String
    var kind: ClassKind
    var classCode: String
    var conditionId: String?
    var componentCode: String?
    var description: String
    var position: FieldPosition?
    var address: String?
    var photos: [Photo]
    /// 自行处置: fixed on the spot (needs `before` and `after` photos; intake checks).
    var selfHandled: Bool?
    var capturedAt: Date?
    /// The special patrol the report was found on, if any.
    var patrolId: UUID?
}

/// 核实 from the phone: the verdict on a public report of a case awaiting verification.
struct FieldVerification: PhoneSubmission {
    static let kind = PhoneSubmissionKind.verification
    var clientId: String
    /// The case's id or number.
    var caseId: String
    /// `confirmed` or `refuted`.
    var result: String
    var note: String?
    var position: FieldPosition
    var photos: [Photo]
    var capturedAt: Date?
}

/// 核查 from the phone: whether the department's work holds.
struct FieldCheck: PhoneSubmission {
    static let kind = PhoneSubmissionKind.check
    var clientId: String
    var caseId: String
    var passed: Bool
    var note: String?
    var position: FieldPosition
    var photos: [Photo]
    var capturedAt: Date?
}

/// The checks every phone submission passes before anything is read or written (pure).
enum PhoneRules {
    static let maxPhotos = 30
    /// GPS accuracy worse than this is no position at all.
    static let maxAccuracyMeters = 5_000.0

    static func isValidClientId(_ id: String) -> Bool {
        (1...100).contains(id.count) && id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._:-".unicodeScalars.contains($0)
        }
    }

    static func commonProblems<S: PhoneSubmission>(_ s: S) -> [APIError.FieldProblem] {
        var problems: [APIError.FieldProblem] = []
        if !isValidClientId(s.clientId) {
            problems.append(.init(field: "clientId", problem: "must be 1–100 letters, digits, '.', '_', ':' or '-' (the phone's own id)"))
        }
        if s.photos.count > maxPhotos { problems.append(.init(field: "photos", problem: "at most \(maxPhotos) photos")) }
        let purposes = S.kind.photoPurposes
        for (i, photo) in s.photos.enumerated() {
            problems += CheckPhotos.problems([photo.url]).map { APIError.FieldProblem(field: "photos[\(i)].url", problem: $0.problem) }
            if !purposes.contains(photo.purpose) {
                problems.append(.init(field: "photos[\(i)].purpose", problem: "must be \(purposes.map(\.rawValue).joined(separator: " or "))"))
            }
        }
        return problems
    }

    static func problems(_ p: FieldPosition?, field: String, required: Bool) -> [APIError.FieldProblem] {
        guard let p else { return required ? [.init(field: field, problem: "is required: where the supervisor was")] : [] }
        var problems: [APIError.FieldProblem] = []
        if !p.longitude.isFinite || !(-180...180).contains(p.longitude) {
            problems.append(.init(field: "\(field).longitude", problem: "must be WGS84 degrees between -180 and 180"))
        }
        if !p.latitude.isFinite || !(-90...90).contains(p.latitude) {
            problems.append(.init(field: "\(field).latitude", problem: "must be WGS84 degrees between -90 and 90"))
        }
        if !p.accuracyMeters.isFinite || p.accuracyMeters <= 0 || p.accuracyMeters > maxAccuracyMeters {
            problems.append(.init(field: "\(field).accuracyMeters", problem: "must be more than 0 and at most \(Int(maxAccuracyMeters)) metres"))
        }
        return problems
    }

    static func problems(_ r: FieldReport) -> [APIError.FieldProblem] {
        var problems = commonProblems(r)
        problems += Self.problems(r.position, field: "position", required: false)
        if r.position == nil && (r.address ?? "").trimmingCharacters(in: .whitespaces).isEmpty && r.componentCode == nil {
            problems.append(.init(field: "position", problem: "a position, an address or a component code is required"))
        }
        return problems
    }

    static func problems(_ v: FieldVerification) -> [APIError.FieldProblem] {
        var problems = commonProblems(v)
        problems += Self.problems(v.position, field: "position", required: true)
        if v.result != "confirmed" && v.result != "refuted" { problems.append(.init(field: "result", problem: "must be confirmed or refuted")) }
        if v.caseId.isEmpty || v.caseId.count > 64 { problems.append(.init(field: "caseId", problem: "must name a case (id or number)")) }
        return problems
    }

    static func problems(_ c: FieldCheck) -> [APIError.FieldProblem] {
        var problems = commonProblems(c)
        problems += Self.problems(c.position, field: "position", required: true)
        if c.caseId.isEmpty || c.caseId.count > 64 { problems.append(.init(field: "caseId", problem: "must name a case (id or number)")) }
        return problems
    }

    /// What an answer from the phone adds to its timeline entry: the photos, where and when the
    /// phone says it was done, and the phone's id of the submission.
    static func details(position: FieldPosition, capturedAt: Date?, clientId: String, photos: [Photo], key: TimelineDetail) -> [String: String] {
        var details: [String: String] = [:]
        details[.gpsPosition] = "\(position.longitude) \(position.latitude)"
        details[.gpsAccuracyMeters] = String(format: "%.1f", position.accuracyMeters)
        details[.capturedAt] = capturedAt.map(RFC3339.format)
        details[.clientId] = clientId
        details[key] = TimelinePhotos.join(photos.map(\.url))
        return details
    }
}

/// A submission as kept for replay.
struct StoredSubmission: Sendable {
    var kind: PhoneSubmissionKind
    var sameBody: Bool
    var state: String
    var status: Int?
    var answer: String?
}

/// SQL for `supervision.phone_submissions`, on the caller's connection.
enum PhoneSubmissionStore {
    /// Claims `(supervisor, clientId)` for this body: inserts a pending row, or (when the id is
    /// taken) locks and returns the stored one with whether its body is this body. A concurrent
    /// claim of the same id waits here until the other one commits or rolls back.
    static func claim(supervisor: String, clientId: String, kind: PhoneSubmissionKind, body: String, at: Date,
                      on connection: PGConnection) throws -> StoredSubmission? {
        let inserted = try connection.query("""
            INSERT INTO supervision.phone_submissions (supervisor_id, client_id, kind, body, state, received_at)
            VALUES ($1, $2, $3, $4::jsonb, 'pending', $5) ON CONFLICT (supervisor_id, client_id) DO NOTHING RETURNING client_id
            """, [supervisor, clientId, kind.rawValue, PGJSON(body), at]).first != nil
        if inserted { return nil }
        guard let row = try connection.query("""
            SELECT kind, body = $3::jsonb AS same, state, status, answer FROM supervision.phone_submissions
            WHERE supervisor_id = $1 AND client_id = $2 FOR UPDATE
            """, [supervisor, clientId, PGJSON(body)]).first else { return nil }
        return StoredSubmission(kind: try PhoneSubmissionKind(rawValue: try row.string("kind")).unwrapped("kind"), sameBody: try row.bool("same"),
                                state: try row.string("state"), status: row.optionalInt("status"), answer: row.optionalString("answer"))
    }

    static func find(supervisor: String, clientId: String, on connection: PGConnection) throws -> StoredSubmission? {
        try connection.query("""
            SELECT kind, true AS same, state, status, answer FROM supervision.phone_submissions
            WHERE supervisor_id = $1 AND client_id = $2
            """, [supervisor, clientId]).first.map { row in
            StoredSubmission(kind: try PhoneSubmissionKind(rawValue: try row.string("kind")).unwrapped("kind"), sameBody: true,
                             state: try row.string("state"), status: row.optionalInt("status"), answer: row.optionalString("answer"))
        }
    }

    static func complete(supervisor: String, clientId: String, status: Int, answer: String, caseId: UUID?, at: Date,
                         on connection: PGConnection) throws {
        try connection.query("""
            UPDATE supervision.phone_submissions SET state = 'done', status = $3, answer = $4, case_id = $5, completed_at = $6
            WHERE supervisor_id = $1 AND client_id = $2
            """, [supervisor, clientId, status, answer, caseId, at])
    }

    /// Forgets a pending claim whose submission was refused: a refused submission holds no id.
    static func release(supervisor: String, clientId: String, on connection: PGConnection) throws {
        try connection.query("DELETE FROM supervision.phone_submissions WHERE supervisor_id = $1 AND client_id = $2 AND state = 'pending'",
                             [supervisor, clientId])
    }
}
