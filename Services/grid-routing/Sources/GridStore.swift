import CityGridModel
import Foundation
import Logging
import PGClient

/// The versioned unit grids in PostGIS: import from the reference data, point-in-grid by date.
enum GridStore {
    /// Re-imports `routing.grids` when the reference data version differs from the imported one.
    /// Runs in one transaction under an advisory lock, so parallel instances import once.
    static func importIfChanged(_ reference: ReferenceData, connection: PGConnection, logger: Logger) throws {
        try connection.query("SELECT pg_advisory_xact_lock(hashtext('routing.grids.import'))")
        let current = try connection.query("SELECT version FROM routing.reference_version WHERE id = 1").first?.optionalString("version")
        if current == reference.version { return }
        try connection.query("DELETE FROM routing.grids")
        let batch = 500
        for start in stride(from: 0, to: reference.grids.count, by: batch) {
            let grids = reference.grids[start..<min(start + batch, reference.grids.count)]
            try connection.query("""
                INSERT INTO routing.grids (grid_code, valid_from, valid_to, area_class, community_code, street_code, district_code, geom)
                SELECT g, f::date, NULLIF(t, '')::date, a, c, s, d, gis.ST_GeomFromText(w, 4326)
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                     AS x(g, f, t, a, c, s, d, w)
                """, [
                    PGTextArray(grids.map(\.code)), PGTextArray(grids.map(\.validFrom.description)),
                    PGTextArray(grids.map { $0.validTo?.description ?? "" }), PGTextArray(grids.map(\.areaClass.rawValue)),
                    PGTextArray(grids.map(\.communityCode)), PGTextArray(grids.map(\.streetCode)), PGTextArray(grids.map(\.districtCode)),
                    PGTextArray(grids.map(\.polygon.wkt)),
                ])
        }
        try connection.query("""
            INSERT INTO routing.reference_version (id, version, imported_at) VALUES (1, $1, now())
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, imported_at = EXCLUDED.imported_at
            """, [reference.version])
        logger.info("imported unit grids", metadata: ["version": "\(reference.version)", "grids": "\(reference.grids.count)"])
    }

    /// The grid valid on `date` containing `point` (PostGIS `ST_Contains`); current grids win ties.
    static func grid(containing point: GeoPoint, on date: CivilDate, connection: PGConnection) throws -> GridHit? {
        let row = try connection.query("""
            SELECT grid_code, community_code, street_code, district_code, area_class FROM routing.grids
            WHERE valid_from <= $3::date AND (valid_to IS NULL OR $3::date < valid_to)
              AND gis.ST_Contains(geom, gis.ST_SetSRID(gis.ST_MakePoint($1, $2), 4326))
            ORDER BY valid_to NULLS FIRST, grid_code LIMIT 1
            """, [point.lon, point.lat, date.description]).first
        guard let row else { return nil }
        let areaText = try row.string("area_class")
        guard let areaClass = AreaClass(rawValue: areaText) else { throw GridStoreError.badAreaClass(areaText) }
        return GridHit(gridCode: try row.string("grid_code"), communityCode: try row.string("community_code"),
                       streetCode: try row.string("street_code"), districtCode: try row.string("district_code"), areaClass: areaClass)
    }
}

/// A row of `routing.grids` that the import could not have written.
enum GridStoreError: Error, CustomStringConvertible {
    case badAreaClass(String)
    var description: String {
        switch self {
        case .badAreaClass(let text): "routing.grids holds an unknown area class '\(text)'"
        }
    }
}

/// What a map asks of the grids: an area (district, street, community) and/or a box.
struct GridArea: Sendable, Equatable {
    var districtCode: String?
    var streetCode: String?
    var communityCode: String?
    var gridCode: String?
    /// minLon, minLat, maxLon, maxLat.
    var box: [Double]?
}

extension GridStore {
    /// The grids valid on `date` in `area` as GeoJSON Feature texts, ordered by code. PostGIS
    /// writes the geometry (7 decimals, about a centimetre); the properties are ours.
    static func features(in area: GridArea, on date: CivilDate, connection: PGConnection) throws -> [String] {
        var conditions = ["valid_from <= $1::date", "(valid_to IS NULL OR $1::date < valid_to)"]
        var parameters: [any PGEncodable] = [date.description]
        func add(_ column: String, _ value: String?) {
            guard let value else { return }
            parameters.append(value)
            conditions.append("\(column) = $\(parameters.count)")
        }
        add("district_code", area.districtCode)
        add("street_code", area.streetCode)
        add("community_code", area.communityCode)
        add("grid_code", area.gridCode)
        if let box = area.box, box.count == 4 {
            parameters.append(contentsOf: box)
            let n = parameters.count
            conditions.append("geom OPERATOR(gis.&&) gis.ST_MakeEnvelope($\(n - 3), $\(n - 2), $\(n - 1), $\(n), 4326)")
        }
        return try connection.query("""
            SELECT json_build_object(
                'type', 'Feature', 'id', grid_code,
                'properties', json_build_object('code', grid_code, 'areaClass', area_class, 'communityCode', community_code,
                                                'streetCode', street_code, 'districtCode', district_code),
                'geometry', gis.ST_AsGeoJSON(geom, 7)::json)::text AS feature
            FROM routing.grids WHERE \(conditions.joined(separator: " AND ")) ORDER BY grid_code
            """, parameters).rows.map { try $0.string("feature") }
    }
}
