import Foundation

/// The coordinate systems a client may declare for a reported point. Everything CityGrid stores
/// and routes on is WGS84 (the grids, the component register, the gazetteer); intake converts a
/// point from its declared system before it does anything else with it (pure, see
/// ``toWGS84(_:)``), and keeps the point as sent.
///
/// * `wgs84`: GPS receivers, Open311 (GeoReport v2 specifies WGS84), most foreign map SDKs.
/// * `cgcs2000`: China Geodetic Coordinate System 2000 (国家大地坐标系), used by 天地图 and by
///   surveyed data. Taken as WGS84: both are realisations of the same ITRF-based earth-centred
///   frame on practically the same ellipsoid, and they differ by centimetres at most — far below
///   a phone's GPS error and the size of a unit grid (≈ 100 m) — so no transformation is applied.
/// * `gcj02`: the State Bureau of Surveying and Mapping's offset (国测局坐标, "Mars coordinates"),
///   which every map published in mainland China must use: 高德 (Amap), 腾讯 (Tencent), and the
///   maps inside WeChat and Apple Maps in China. Hundreds of metres off WGS84.
/// * `bd09`: Baidu's coordinates (百度坐标, `bd09ll`), a further offset on top of GCJ-02.
public enum CoordinateSystem: String, Codable, Sendable, CaseIterable {
    case wgs84
    case cgcs2000
    case gcj02
    case bd09

    /// Reads a system's name as clients write it: case is ignored and so are `-`, `_` and spaces
    /// (`GCJ-02`, `gcj_02`, `WGS84`), and Baidu's own name `bd09ll` means `bd09`. Anything else
    /// (Baidu's Mercator metres `bd09mc`, a projected system, a typo) is not a system here.
    public init?(name: String) {
        let folded = String(name.lowercased().unicodeScalars.filter { !"-_ ".unicodeScalars.contains($0) })
        if folded == "bd09ll" {
            self = .bd09
        } else if let system = CoordinateSystem(rawValue: folded) {
            self = system
        } else {
            return nil
        }
    }

    /// The names a client may send, for error messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// `point`, given in this system, as WGS84.
    public func toWGS84(_ point: GeoPoint) -> GeoPoint {
        switch self {
        case .wgs84, .cgcs2000: return point
        case .gcj02: return ChinaOffset.wgs84(fromGCJ02: point)
        case .bd09: return ChinaOffset.wgs84(fromGCJ02: BaiduOffset.gcj02(fromBD09: point))
        }
    }

    /// `point`, given in WGS84, in this system (what a client in this system would have sent).
    public func fromWGS84(_ point: GeoPoint) -> GeoPoint {
        switch self {
        case .wgs84, .cgcs2000: return point
        case .gcj02: return ChinaOffset.gcj02(fromWGS84: point)
        case .bd09: return BaiduOffset.bd09(fromGCJ02: ChinaOffset.gcj02(fromWGS84: point))
        }
    }
}

/// GCJ-02, the offset Chinese law requires of published maps. The forward direction (WGS84 →
/// GCJ-02) is the published formula: two trigonometric series in the longitude and latitude
/// relative to (105°E, 35°N) give an offset in metres, turned into degrees on the Krasovsky 1940
/// ellipsoid. There is no closed-form inverse; ``wgs84(fromGCJ02:)`` solves the forward formula
/// by iteration instead of using the common one-step approximation (`2·g − f(g)`), which is off by
/// up to a few metres.
public enum ChinaOffset {
    /// Krasovsky 1940: semi-major axis in metres.
    static let semiMajorAxis = 6_378_245.0
    /// Krasovsky 1940: first eccentricity squared.
    static let eccentricitySquared = 0.00669342162296594323

    /// Whether the offset applies at `point`: the rough box around mainland China that the
    /// published formula comes with. Outside it (abroad, or a point that is not in China at all)
    /// map providers leave WGS84 as it is, and so do we.
    public static func applies(at point: GeoPoint) -> Bool {
        (72.004...137.8347).contains(point.lon) && (0.8293...55.8271).contains(point.lat)
    }

    /// The GCJ-02 point a Chinese map shows for the WGS84 point `point`.
    public static func gcj02(fromWGS84 point: GeoPoint) -> GeoPoint {
        guard applies(at: point) else { return point }
        let x = point.lon - 105
        let y = point.lat - 35
        let latitude = point.lat * Double.pi / 180
        let sinLatitude = sin(latitude)
        let w = 1 - eccentricitySquared * sinLatitude * sinLatitude
        let sqrtW = w.squareRoot()
        // Metres → degrees: the meridian radius of curvature for latitude, the parallel's radius for longitude.
        let meridianRadius = semiMajorAxis * (1 - eccentricitySquared) / (w * sqrtW)
        let parallelRadius = semiMajorAxis / sqrtW * cos(latitude)
        let dLat = latitudeSeries(x, y) * 180 / (meridianRadius * Double.pi)
        let dLon = longitudeSeries(x, y) * 180 / (parallelRadius * Double.pi)
        return GeoPoint(lon: point.lon + dLon, lat: point.lat + dLat)
    }

    /// The WGS84 point whose GCJ-02 offset is `point`: the forward formula solved by fixed-point
    /// iteration: the offset varies slowly with position, so each step shrinks the error a few
    /// hundredfold, and about five steps reach 1e-10° (about 0.01 mm).
    public static func wgs84(fromGCJ02 point: GeoPoint) -> GeoPoint {
        guard applies(at: point) else { return point }
        return Inversion.solve(gcj02(fromWGS84:), for: point, from: point)
    }

    /// The latitude part of the offset (metres before scaling), `x`, `y` relative to 105°E 35°N.
    static func latitudeSeries(_ x: Double, _ y: Double) -> Double {
        var value = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        value += (20 * sin(6 * x * Double.pi) + 20 * sin(2 * x * Double.pi)) * 2 / 3
        value += (20 * sin(y * Double.pi) + 40 * sin(y / 3 * Double.pi)) * 2 / 3
        value += (160 * sin(y / 12 * Double.pi) + 320 * sin(y * Double.pi / 30)) * 2 / 3
        return value
    }

    /// The longitude part of the offset (metres before scaling), `x`, `y` relative to 105°E 35°N.
    static func longitudeSeries(_ x: Double, _ y: Double) -> Double {
        var value = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        value += (20 * sin(6 * x * Double.pi) + 20 * sin(2 * x * Double.pi)) * 2 / 3
        value += (20 * sin(x * Double.pi) + 40 * sin(x / 3 * Double.pi)) * 2 / 3
        value += (150 * sin(x / 12 * Double.pi) + 300 * sin(x / 30 * Double.pi)) * 2 / 3
        return value
    }
}

/// BD-09, Baidu's coordinates: GCJ-02 turned into polar form around (0, 0), the radius and angle
/// nudged by small periodic terms in `x_pi = π·3000/180`, then shifted by (0.0065°, 0.006°). Like
/// GCJ-02 it is applied inside China only (``ChinaOffset/applies(at:)``), the box CityGrid's
/// cities lie in.
public enum BaiduOffset {
    static let xPi = Double.pi * 3000 / 180

    /// The BD-09 point Baidu Maps shows for the GCJ-02 point `point`.
    public static func bd09(fromGCJ02 point: GeoPoint) -> GeoPoint {
        guard ChinaOffset.applies(at: point) else { return point }
        let (x, y) = (point.lon, point.lat)
        let radius = (x * x + y * y).squareRoot() + 0.00002 * sin(y * xPi)
        let angle = atan2(y, x) + 0.000003 * cos(x * xPi)
        return GeoPoint(lon: radius * cos(angle) + 0.0065, lat: radius * sin(angle) + 0.006)
    }

    /// The GCJ-02 point of the BD-09 point `point`. Baidu's published reverse formula (the same
    /// steps undone) is off by about 1e-6° (0.1 m); it is the starting guess here, and the forward
    /// formula is solved from it like GCJ-02's, so a round trip returns the point it started from.
    public static func gcj02(fromBD09 point: GeoPoint) -> GeoPoint {
        guard ChinaOffset.applies(at: point) else { return point }
        let (x, y) = (point.lon - 0.0065, point.lat - 0.006)
        let radius = (x * x + y * y).squareRoot() - 0.00002 * sin(y * xPi)
        let angle = atan2(y, x) - 0.000003 * cos(x * xPi)
        let published = GeoPoint(lon: radius * cos(angle), lat: radius * sin(angle))
        return Inversion.solve(bd09(fromGCJ02:), for: point, from: published)
    }
}

/// Solves `forward(p) = target` for an offset `forward` that moves points by a nearly constant
/// amount, by fixed-point iteration: p ← p − (forward(p) − target).
enum Inversion {
    /// Stop once a step moves the point by less than this (degrees; about 0.01 mm).
    static let tolerance = 1e-10
    /// A bound for safety; the offsets here converge in three to five steps.
    static let maxSteps = 30

    static func solve(_ forward: (GeoPoint) -> GeoPoint, for target: GeoPoint, from start: GeoPoint) -> GeoPoint {
        var guess = start
        for _ in 0..<maxSteps {
            let image = forward(guess)
            let dLon = image.lon - target.lon
            let dLat = image.lat - target.lat
            guess = GeoPoint(lon: guess.lon - dLon, lat: guess.lat - dLat)
            if abs(dLon) < tolerance && abs(dLat) < tolerance { break }
        }
        return guess
    }
}
