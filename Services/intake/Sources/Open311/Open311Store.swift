import CityGridModel
import Foundation
import PGClient

/// Reads the GeoReport v2 view of intake's reports (`intake.open311_requests`), checks API keys
/// (`intake.open311_keys`) and keeps the tokens given to clients (`intake.open311_tokens`), on the
/// caller's connection. Rows decode through `init(row:)` of the value type, as in ``ReportStore``.
enum Open311Store {
    static let columns = """
        service_request_id, status, service_code, kind, class_code, duplicate_of_number, description, address, lat, lon, photos,
        requested_datetime, updated_datetime, final_state, current_state, state_reason
        """

    /// The requests with these ids (case numbers) from public channels, oldest first; a report
    /// from any other channel is absent, exactly as if it did not exist.
    static func requests(ids: [String], channels: [String], connection c: PGConnection) throws -> [Open311Requests.Row] {
        try c.query("""
            SELECT \(columns) FROM intake.open311_requests
            WHERE service_request_id = ANY($1::text[]) AND channel = ANY($2::text[]) ORDER BY requested_datetime
            """, [PGTextArray(ids), PGTextArray(channels)]).rows.map(Open311Requests.Row.init(row:))
    }

    /// One page of the public channels' requests made between `start` and `end`, newest first,
    /// of the given service codes and statuses (empty: any).
    static func requests(from start: Date, to end: Date, channels: [String], serviceCodes codes: [String], statuses: [String], page: Int,
                         pageSize: Int, connection c: PGConnection) throws -> [Open311Requests.Row] {
        var conditions = ["requested_datetime >= $1", "requested_datetime <= $2", "channel = ANY($3::text[])"]
        var parameters: [any PGEncodable] = [start, end, PGTextArray(channels)]
        if !codes.isEmpty {
            parameters.append(PGTextArray(codes))
            conditions.append("service_code = ANY($\(parameters.count)::text[])")
        }
        if !statuses.isEmpty {
            parameters.append(PGTextArray(statuses))
            conditions.append("status = ANY($\(parameters.count)::text[])")
        }
        parameters.append(pageSize)
        parameters.append((page - 1) * pageSize)
        let sql = """
            SELECT \(columns) FROM intake.open311_requests WHERE \(conditions.joined(separator: " AND "))
            ORDER BY requested_datetime DESC, service_request_id DESC LIMIT $\(parameters.count - 1) OFFSET $\(parameters.count)
            """
        return try c.query(sql, parameters).rows.map(Open311Requests.Row.init(row:))
    }

    /// Whether `key` is a live (not revoked) API key.
    static func isKnownKey(_ key: String, connection c: PGConnection) throws -> Bool {
        try c.query("SELECT 1 FROM intake.open311_keys WHERE api_key = $1 AND revoked_at IS NULL", [key]).first != nil
    }

    /// The case number a token given on `POST requests` stands for (nil: unknown token).
    static func caseNumber(token: String, connection c: PGConnection) throws -> String? {
        try c.query("""
            SELECT r.case_number FROM intake.open311_tokens t JOIN intake.reports r ON r.case_id = t.case_id WHERE t.token = $1
            """, [token]).first?.string("case_number")
    }

    /// Keeps the token given to the client for the report it created.
    static func recordToken(_ token: String, caseId: UUID, connection c: PGConnection) throws {
        _ = try c.query("INSERT INTO intake.open311_tokens (token, case_id) VALUES ($1, $2)", [token, caseId])
    }
}
