import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

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

    /// The advisory locks a duplicate decision about a report of `kind`/`classCode` at `point`
    /// holds until its transaction ends, so that two reports of one spill, decided at the same
    /// moment, cannot both open a case. Two reports within the radius of each other always share
    /// a lock; reports of one class far apart share none and are decided side by side (one lock
    /// per class made every report of a busy class wait for the one before it).
    ///
    /// The map is cut into square cells at least twice the radius wide; a report locks every cell
    /// its radius touches (at most 6 at these latitudes). A report within the radius of another
    /// lies in that one's box, so the cell it lies in is locked by both. Keys are sorted, so two
    /// transactions take shared locks in the same order and never wait for each other in a cycle.
    public func lockKeys(kind: String, classCode: String, around point: GeoPoint) -> [Int64] {
        guard radiusMeters > 0 else { return [] }
        let cell = Swift.max(2 * radiusMeters, 100) / GeoPolygon.metresPerDegreeLatitude
        // 1 % wider than the radius: the box's degrees are computed at the report's latitude.
        let box = GeoDistance.box(around: point, radiusMeters: radiusMeters * 1.01)
        let xs = Int(floor(box.min.lon / cell))...Int(floor(box.max.lon / cell))
        let ys = Int(floor(box.min.lat / cell))...Int(floor(box.max.lat / cell))
        guard xs.count * ys.count <= 16 else { return [Self.lockKey("\(kind):\(classCode)")] }  // near the poles
        return xs.flatMap { x in ys.map { y in Self.lockKey("\(kind):\(classCode):\(x):\(y)") } }.sorted()
    }

    /// A stable 64-bit key (FNV-1a) in intake's own space of advisory locks.
    static func lockKey(_ text: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "intake.duplicates:\(text)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// Takes the locks of ``lockKeys(kind:classCode:around:)`` in one statement (array order).
    func lock(kind: String, classCode: String, around point: GeoPoint, on connection: PGConnection) throws {
        let keys = lockKeys(kind: kind, classCode: classCode, around: point)
        guard !keys.isEmpty else { return }
        try connection.query("SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k", [PGTextArray(keys.map(String.init))])
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
