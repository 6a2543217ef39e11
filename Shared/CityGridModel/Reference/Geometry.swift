import Foundation

/// A WGS84 position in decimal degrees.
public struct GeoPoint: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Longitude, degrees east.
    public var lon: Double
    /// Latitude, degrees north.
    public var lat: Double

    /// Creates a point from longitude and latitude in degrees.
    public init(lon: Double, lat: Double) {
        self.lon = lon
        self.lat = lat
    }

    /// `true` if both coordinates are finite and in range.
    public var isValid: Bool { lon.isFinite && lat.isFinite && (-180...180).contains(lon) && (-90...90).contains(lat) }

    /// "lon lat", the WKT coordinate form.
    public var description: String { "\(lon) \(lat)" }
}

/// Great-circle distances on a sphere of mean earth radius; accurate to well under a metre at
/// the 50 m scale duplicate detection works at. The one earth model of CityGrid: grid areas,
/// duplicate radii and the supervision map queries all use ``earthRadiusMeters``.
public enum GeoDistance {
    /// The mean earth radius (IUGG), the same constant the demo generator uses for `area_m2`.
    public static let earthRadiusMeters = 6_371_008.8

    /// Haversine distance in metres.
    public static func meters(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        let rad = Double.pi / 180
        let dLat = (b.lat - a.lat) * rad
        let dLon = (b.lon - a.lon) * rad
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(a.lat * rad) * cos(b.lat * rad) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * earthRadiusMeters * asin(Swift.min(1, sqrt(h)))
    }

    /// A lon/lat box that certainly contains every point within `radius` metres of `center`
    /// (used as the SQL prefilter before the exact distance).
    public static func box(around center: GeoPoint, radiusMeters radius: Double) -> (min: GeoPoint, max: GeoPoint) {
        let dLat = radius / (earthRadiusMeters * Double.pi / 180)
        let cosLat = Swift.max(0.01, cos(center.lat * Double.pi / 180))
        let dLon = dLat / cosLat
        return (GeoPoint(lon: center.lon - dLon, lat: center.lat - dLat), GeoPoint(lon: center.lon + dLon, lat: center.lat + dLat))
    }
}

/// A simple polygon (one closed exterior ring, no holes) in WGS84, as stored for unit grids.
public struct GeoPolygon: Hashable, Sendable, Codable {
    /// Metres per degree of latitude on a sphere of mean earth radius; the same constant the demo
    /// generator uses for `area_m2`.
    public static let metresPerDegreeLatitude = GeoDistance.earthRadiusMeters * Double.pi / 180

    /// The exterior ring; first and last points are equal.
    public let ring: [GeoPoint]
    /// Bounding box: minimum corner.
    public let min: GeoPoint
    /// Bounding box: maximum corner.
    public let max: GeoPoint

    /// Creates a polygon from a closed ring.
    /// - Throws: a message if the ring has fewer than four points, is not closed, or has no area.
    public init(ring: [GeoPoint]) throws(GeometryError) {
        guard ring.count >= 4 else { throw GeometryError("a polygon ring needs at least 4 points, found \(ring.count)") }
        guard ring.first == ring.last else { throw GeometryError("polygon ring is not closed (first point ≠ last point)") }
        guard ring.allSatisfy(\.isValid) else { throw GeometryError("coordinate out of range") }
        self.ring = ring
        min = GeoPoint(lon: ring.map(\.lon).min()!, lat: ring.map(\.lat).min()!)
        max = GeoPoint(lon: ring.map(\.lon).max()!, lat: ring.map(\.lat).max()!)
        guard areaSquareMetres > 0 else { throw GeometryError("polygon has no area") }
    }

    /// Parses `POLYGON((lon lat, lon lat, …))`. Interior rings (holes) are not supported.
    public init(wkt: String) throws(GeometryError) {
        let text = wkt.trimmingCharacters(in: .whitespaces)
        guard text.uppercased().hasPrefix("POLYGON"), let open = text.range(of: "(("), let close = text.range(of: "))", options: .backwards),
              open.upperBound <= close.lowerBound
        else { throw GeometryError("expected POLYGON((lon lat, …))") }
        let body = text[open.upperBound..<close.lowerBound]
        guard !body.contains("(") && !body.contains(")") else { throw GeometryError("polygons with holes are not supported") }
        try self.init(ring: try GeoPolygon.points(body))
    }

    /// The WKT form.
    public var wkt: String { "POLYGON((" + ring.map(\.description).joined(separator: ", ") + "))" }

    /// Area in m² on a local equirectangular projection (accurate to well under 1 % at city scale).
    public var areaSquareMetres: Double {
        let meanLat = ring.dropLast().map(\.lat).reduce(0, +) / Double(ring.count - 1)
        let kx = GeoPolygon.metresPerDegreeLatitude * cos(meanLat * .pi / 180), ky = GeoPolygon.metresPerDegreeLatitude
        var twice = 0.0
        for (a, b) in zip(ring, ring.dropFirst()) {
            twice += (a.lon * kx) * (b.lat * ky) - (b.lon * kx) * (a.lat * ky)
        }
        return abs(twice) / 2
    }

    /// Mean of the ring's vertices (inside for the convex cells of unit grids).
    public var centroid: GeoPoint {
        let pts = ring.dropLast()
        return GeoPoint(lon: pts.map(\.lon).reduce(0, +) / Double(pts.count), lat: pts.map(\.lat).reduce(0, +) / Double(pts.count))
    }

    /// `true` if the point lies inside (even–odd rule; points exactly on an edge may go either way).
    public func contains(_ p: GeoPoint) -> Bool {
        guard p.lon >= min.lon, p.lon <= max.lon, p.lat >= min.lat, p.lat <= max.lat else { return false }
        return GeoPolygon.ring(ring, contains: p)
    }

    /// The even–odd point-in-polygon test on any ring, closed or not (a closing edge of zero
    /// length never counts), valid or not: also for polygons drawn by API clients, which need not
    /// make a ``GeoPolygon``. Points exactly on an edge may go either way.
    public static func ring(_ ring: [GeoPoint], contains p: GeoPoint) -> Bool {
        guard !ring.isEmpty else { return false }
        var inside = false
        var j = ring.count - 1
        for i in 0..<ring.count {
            let a = ring[i], b = ring[j]
            if (a.lat > p.lat) != (b.lat > p.lat),
               p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon {
                inside.toggle()
            }
            j = i
        }
        return inside
    }

    static func points(_ body: Substring) throws(GeometryError) -> [GeoPoint] {
        var result: [GeoPoint] = []
        for pair in body.split(separator: ",") {
            let numbers = pair.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard numbers.count == 2, let lon = Double(numbers[0]), let lat = Double(numbers[1]) else {
                throw GeometryError("bad coordinate pair '\(pair.trimmingCharacters(in: .whitespaces))'")
            }
            result.append(GeoPoint(lon: lon, lat: lat))
        }
        return result
    }
}

/// A polyline in WGS84, e.g. a road's centre line in the gazetteer.
public struct GeoLine: Hashable, Sendable, Codable {
    /// The vertices, at least two.
    public let points: [GeoPoint]

    /// Creates a line of at least two points.
    public init(points: [GeoPoint]) throws(GeometryError) {
        guard points.count >= 2 else { throw GeometryError("a line needs at least 2 points") }
        guard points.allSatisfy(\.isValid) else { throw GeometryError("coordinate out of range") }
        self.points = points
    }

    /// Parses `LINESTRING(lon lat, lon lat, …)`.
    public init(wkt: String) throws(GeometryError) {
        let text = wkt.trimmingCharacters(in: .whitespaces)
        guard text.uppercased().hasPrefix("LINESTRING"), let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close
        else { throw GeometryError("expected LINESTRING(lon lat, …)") }
        try self.init(points: try GeoPolygon.points(text[text.index(after: open)..<close]))
    }

    /// The WKT form.
    public var wkt: String { "LINESTRING(" + points.map(\.description).joined(separator: ", ") + ")" }
}

/// A malformed geometry.
public struct GeometryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
