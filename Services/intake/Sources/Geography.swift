import CityGridModel
import CityGridPlatform
import Foundation

/// Where reports may plausibly lie: the box around every unit grid, widened by a margin so a
/// report just outside the grid net (a ring road, a suburb) is still accepted.
public struct CityBounds: Sendable, Equatable {
    public var min: GeoPoint
    public var max: GeoPoint

    public init(min: GeoPoint, max: GeoPoint) {
        self.min = min
        self.max = max
    }

    /// The grids' box plus `marginDegrees` (0.05° ≈ 4–5 km) on every side.
    public init(grids: [UnitGrid], marginDegrees: Double = 0.05) {
        let lo = GeoPoint(lon: grids.map(\.polygon.min.lon).min() ?? -180, lat: grids.map(\.polygon.min.lat).min() ?? -90)
        let hi = GeoPoint(lon: grids.map(\.polygon.max.lon).max() ?? 180, lat: grids.map(\.polygon.max.lat).max() ?? 90)
        self.init(min: GeoPoint(lon: lo.lon - marginDegrees, lat: lo.lat - marginDegrees),
                  max: GeoPoint(lon: hi.lon + marginDegrees, lat: hi.lat + marginDegrees))
    }

    public func contains(_ p: GeoPoint) -> Bool {
        (min.lon...max.lon).contains(p.lon) && (min.lat...max.lat).contains(p.lat)
    }
}

/// When a report counts as a repeat of an open case: same class, within a radius and a time window.
public struct DuplicatePolicy: Sendable, Equatable {
    public var radiusMeters: Double
    public var window: TimeInterval

    public init(radiusMeters: Double = 50, window: TimeInterval = 24 * 3600) {
        self.radiusMeters = radiusMeters
        self.window = window
    }

    /// Reads `CITYGRID_DUPLICATE_RADIUS_M` (metres) and `CITYGRID_DUPLICATE_WINDOW_H` (hours); a
    /// value that is not a number in range stops the service instead of quietly using the default.
    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> DuplicatePolicy {
        let reader = EnvironmentReader(values)
        let radius = try reader.double("CITYGRID_DUPLICATE_RADIUS_M", default: 50, range: 0...10_000)
        let hours = try reader.double("CITYGRID_DUPLICATE_WINDOW_H", default: 24, range: 0...24 * 365)
        return DuplicatePolicy(radiusMeters: radius, window: hours * 3600)
    }

    /// A candidate open case near a new report.
    public struct Candidate: Sendable, Equatable {
        public var caseId: UUID
        public var caseNumber: String
        public var point: GeoPoint
        public var reportedAt: Date
        public init(caseId: UUID, caseNumber: String, point: GeoPoint, reportedAt: Date) {
            self.caseId = caseId
            self.caseNumber = caseNumber
            self.point = point
            self.reportedAt = reportedAt
        }
    }

    /// The nearest candidate inside the radius and the window, with its distance; earliest case wins ties.
    public func match(point: GeoPoint, at time: Date, among candidates: [Candidate]) -> (Candidate, Double)? {
        candidates
            .filter { abs($0.reportedAt.timeIntervalSince(time)) <= window }
            .map { ($0, GeoDistance.meters(point, $0.point)) }
            .filter { $0.1 <= radiusMeters }
            .min { ($0.1, $0.0.reportedAt) < ($1.1, $1.0.reportedAt) }
    }
}
