import CityGridModel
import Foundation
import PGClient

/// Reads and writes `routing.cases`, the local projection of each case (``CaseProjection``), on
/// the caller's connection (its transaction). Rows decode by column name into the value type.
enum CaseProjectionStore {
    static func load(_ caseId: UUID, connection: PGConnection) throws -> CaseProjection? {
        guard let row = try connection.query("SELECT * FROM routing.cases WHERE case_id = $1", [caseId]).first else { return nil }
        return CaseProjection(
            caseId: caseId, caseNumber: try row.string("case_number"), kind: ClassKind(rawValue: try row.string("kind")) ?? .event,
            classCode: try row.string("class_code"), componentCode: row.optionalString("component_code"),
            description: try row.string("description"), address: row.optionalString("address"), photos: try row.json("photos", as: [Photo].self),
            gridCode: row.optionalString("grid_code"), lon: row.optionalDouble("lon"), lat: row.optionalDouble("lat"))
    }

    /// Stores a new report (a redelivery keeps the first copy).
    static func insert(_ report: CaseReported, connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO routing.cases (case_id, case_number, kind, class_code, component_code, description, address, photos, reported_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9) ON CONFLICT (case_id) DO NOTHING
            """, [report.caseId, report.caseNumber, report.kind.rawValue, report.classCode, report.componentCode, report.description,
                  report.location.address, try PGJSON(encoding: report.photos), report.reportedAt])
    }

    /// The class the case was filed under, when the centre changed it (see `handleFiled`).
    static func setClass(_ caseId: UUID, kind: ClassKind, classCode: String, connection: PGConnection) throws {
        try connection.query("UPDATE routing.cases SET kind = $2, class_code = $3 WHERE case_id = $1", [caseId, kind.rawValue, classCode])
    }

    static func setLocation(_ caseId: UUID, _ location: CaseLocation, at now: Date, connection: PGConnection) throws {
        try connection.query("""
            UPDATE routing.cases SET grid_code = $2, community_code = $3, street_code = $4, district_code = $5, area_class = $6,
                   lon = $7, lat = $8, method = $9, matched_name = $10, located_at = $11
            WHERE case_id = $1
            """, [caseId, location.grid.gridCode, location.grid.communityCode, location.grid.streetCode, location.grid.districtCode,
                  location.grid.areaClass.rawValue, location.point.lon, location.point.lat, location.method.rawValue,
                  location.matchedName, now])
    }
}
