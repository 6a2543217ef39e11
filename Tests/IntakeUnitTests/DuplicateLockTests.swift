import CityGridModel
import Foundation
@testable import IntakeService
import Testing

@Suite("Duplicate-decision locks: reports near each other share one, reports far apart do not")
struct DuplicateLockTests {
    /// Points spread over the demo city, and a neighbour of each at a given distance and bearing.
    static func offset(_ p: GeoPoint, meters: Double, bearing: Double) -> GeoPoint {
        let dLat = meters * cos(bearing) / GeoPolygon.metresPerDegreeLatitude
        let dLon = meters * sin(bearing) / (GeoPolygon.metresPerDegreeLatitude * cos(p.lat * .pi / 180))
        return GeoPoint(lon: p.lon + dLon, lat: p.lat + dLat)
    }

    @Test("any two reports of one class within the radius share a lock, wherever the cell edges fall")
    func nearShare() {
        for radius in [10.0, 50, 200] {
            let policy = DuplicatePolicy(radiusMeters: radius)
            for i in 0..<400 {
                // A deterministic walk over 111.6–111.8°E, 40.75–40.90°N and every bearing.
                let p = GeoPoint(lon: 111.6 + Double(i % 20) * 0.0101 + Double(i) * 1.3e-6, lat: 40.75 + Double(i / 20) * 0.0074)
                let q = Self.offset(p, meters: radius * Double(i % 10) / 9, bearing: Double(i) * 0.7)
                #expect(GeoDistance.meters(p, q) <= radius + 0.01)
                let a = Set(policy.lockKeys(kind: "event", classCode: "0502", around: p))
                let b = Set(policy.lockKeys(kind: "event", classCode: "0502", around: q))
                #expect(!a.isDisjoint(with: b), "radius \(radius): \(p) and \(q)")
                #expect(a.count <= 6)
            }
        }
    }

    @Test("reports far apart, or of another class, share none; keys are sorted; no radius, no lock")
    func farApart() {
        let policy = DuplicatePolicy(radiusMeters: 50)
        let p = GeoPoint(lon: 111.6622, lat: 40.8071)
        let far = Self.offset(p, meters: 1_000, bearing: 1)
        let keys = policy.lockKeys(kind: "event", classCode: "0502", around: p)
        #expect(keys == keys.sorted())
        #expect(Set(keys).isDisjoint(with: policy.lockKeys(kind: "event", classCode: "0502", around: far)))
        #expect(Set(keys).isDisjoint(with: policy.lockKeys(kind: "event", classCode: "0101", around: p)))
        #expect(DuplicatePolicy(radiusMeters: 0).lockKeys(kind: "event", classCode: "0502", around: p).isEmpty)
    }
}
