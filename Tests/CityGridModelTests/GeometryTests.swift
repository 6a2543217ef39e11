import CityGridModel
import Foundation
import Testing

// The one earth model and the one point-in-polygon test every service uses.

@Suite("Geometry")
struct GeometryTests {
    @Test("haversine distance matches known values")
    func distance() {
        let a = GeoPoint(lon: 111.68, lat: 40.83)
        #expect(GeoDistance.meters(a, a) == 0)
        // One degree of latitude ≈ 111.195 km on the mean sphere.
        let north = GeoPoint(lon: 111.68, lat: 41.83)
        #expect(abs(GeoDistance.meters(a, north) - 111_195) < 5)
        // 0.0005° of longitude at 40.83° N ≈ 42.1 m.
        let east = GeoPoint(lon: 111.6805, lat: 40.83)
        #expect(abs(GeoDistance.meters(a, east) - 42.1) < 0.5)
        let box = GeoDistance.box(around: a, radiusMeters: 50)
        #expect(box.min.lon < a.lon && box.max.lon > a.lon && box.min.lat < a.lat && box.max.lat > a.lat)
        #expect(GeoDistance.meters(a, GeoPoint(lon: box.max.lon, lat: a.lat)) >= 49.9)
    }

    @Test("grid areas and distances share the mean earth radius")
    func oneRadius() {
        #expect(GeoDistance.earthRadiusMeters == 6_371_008.8)
        #expect(GeoPolygon.metresPerDegreeLatitude == GeoDistance.earthRadiusMeters * Double.pi / 180)
        let a = GeoPoint(lon: 111.68, lat: 40.83), b = GeoPoint(lon: 111.68, lat: 40.84)
        #expect(abs(GeoDistance.meters(a, b) - 0.01 * GeoPolygon.metresPerDegreeLatitude) < 0.001)
    }

    @Test("point in polygon, open or closed ring")
    func pointInPolygon() throws {
        let open = [GeoPoint(lon: 0, lat: 0), GeoPoint(lon: 1, lat: 0), GeoPoint(lon: 1, lat: 1), GeoPoint(lon: 0, lat: 1)]
        let closed = open + [open[0]]
        let polygon = try GeoPolygon(ring: closed)
        let probes = [GeoPoint(lon: 0.5, lat: 0.5), GeoPoint(lon: 1.5, lat: 0.5), GeoPoint(lon: 0.5, lat: -0.1),
                      GeoPoint(lon: 0.99, lat: 0.01), GeoPoint(lon: -0.01, lat: 0.5)]
        let expected = [true, false, false, true, false]
        #expect(probes.map { GeoPolygon.ring(open, contains: $0) } == expected)
        #expect(probes.map { GeoPolygon.ring(closed, contains: $0) } == expected)
        #expect(probes.map { polygon.contains($0) } == expected)
        // A concave ring (an L): the notch is outside.
        let l = [GeoPoint(lon: 0, lat: 0), GeoPoint(lon: 2, lat: 0), GeoPoint(lon: 2, lat: 1), GeoPoint(lon: 1, lat: 1),
                 GeoPoint(lon: 1, lat: 2), GeoPoint(lon: 0, lat: 2)]
        #expect(GeoPolygon.ring(l, contains: GeoPoint(lon: 0.5, lat: 1.5)))
        #expect(!GeoPolygon.ring(l, contains: GeoPoint(lon: 1.5, lat: 1.5)))
        #expect(!GeoPolygon.ring([], contains: GeoPoint(lon: 0, lat: 0)))
    }
}
