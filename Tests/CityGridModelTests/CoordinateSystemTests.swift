import CityGridModel
import Foundation
import Testing

/// The conversions between the coordinate systems clients declare and WGS84, checked on pairs the
/// map providers publish in their own documentation, and by round trips over the demo city.
@Suite("Coordinate systems: WGS84 / CGCS2000, GCJ-02, BD-09")
struct CoordinateSystemTests {
    static let referenceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shared/reference-data")

    /// |a − b| in degrees, the larger of the two axes.
    func gap(_ a: GeoPoint, _ b: GeoPoint) -> Double { max(abs(a.lon - b.lon), abs(a.lat - b.lat)) }

    // MARK: Published pairs

    /// 高德 (Amap) Web Service API, 坐标转换 (https://lbs.amap.com/api/webservice/guide/api/convert):
    /// the documented example converts the GPS points 116.481499,39.990475 and 116.481499,39.990375
    /// (`coordsys=gps`) and answers `116.487585177952,39.991754014757;116.487585177952,39.991653917101`.
    /// Amap's service agrees with the published formula to about 4e-7° (4 cm), hence the 1e-6° tolerance.
    @Test("WGS84 → GCJ-02 and back on Amap's documented example pairs")
    func amapPairs() {
        let pairs: [(wgs: GeoPoint, gcj: GeoPoint)] = [
            (GeoPoint(lon: 116.481499, lat: 39.990475), GeoPoint(lon: 116.487585177952, lat: 39.991754014757)),
            (GeoPoint(lon: 116.481499, lat: 39.990375), GeoPoint(lon: 116.487585177952, lat: 39.991653917101)),
        ]
        for (wgs, gcj) in pairs {
            #expect(gap(CoordinateSystem.gcj02.fromWGS84(wgs), gcj) < 1e-6, "\(wgs) → \(CoordinateSystem.gcj02.fromWGS84(wgs)), published \(gcj)")
            #expect(gap(CoordinateSystem.gcj02.toWGS84(gcj), wgs) < 1e-6, "\(gcj) → \(CoordinateSystem.gcj02.toWGS84(gcj)), published \(wgs)")
        }
    }

    /// Alibaba Cloud 地址标准化 (Address Purification) API, 坐标系转换 `TransferCoord`
    /// (https://help.aliyun.com/zh/address-purification/addrpapi/developer-reference/coordinate-system-conversion):
    /// the documented answer for the GCJ-02 point 120.026268,30.279164 gives BD09 120.032768,30.285238,
    /// WGS84 120.021519,30.281543 and CGCS2000 120.021519,30.281543 (six decimals).
    @Test("GCJ-02 → BD-09 and back, and CGCS2000 = WGS84, on Alibaba Cloud's documented answer")
    func alibabaBaidu() {
        let gcj = GeoPoint(lon: 120.026268, lat: 30.279164)
        let bd = GeoPoint(lon: 120.032768, lat: 30.285238)
        #expect(gap(BaiduOffset.bd09(fromGCJ02: gcj), bd) < 1e-6, "\(BaiduOffset.bd09(fromGCJ02: gcj))")
        #expect(gap(BaiduOffset.gcj02(fromBD09: bd), gcj) < 1e-6, "\(BaiduOffset.gcj02(fromBD09: bd))")
        // The same documented answer gives one point for WGS84 and CGCS2000: taken as one system here too.
        let published = GeoPoint(lon: 120.021519, lat: 30.281543)
        #expect(CoordinateSystem.cgcs2000.toWGS84(published) == published)
        #expect(CoordinateSystem.cgcs2000.fromWGS84(published) == published)
        // BD-09 straight to WGS84 is the two steps chained.
        #expect(gap(CoordinateSystem.bd09.toWGS84(bd), CoordinateSystem.gcj02.toWGS84(gcj)) < 1e-6)
    }

    /// The same Alibaba answer's WGS84 point is the common one-step inverse `2·g − f(g)`: feeding it
    /// forward misses the GCJ-02 point by about 1.5 m. Ours is the exact inverse of the forward
    /// formula — forward it lands on the GCJ-02 point — and lies about 1.7 m from theirs.
    @Test("GCJ-02 → WGS84 is the exact inverse of the forward formula, not the one-step approximation")
    func exactInverse() {
        let gcj = GeoPoint(lon: 120.026268, lat: 30.279164)
        let oneStep = GeoPoint(lon: 120.021519, lat: 30.281543)
        let ours = CoordinateSystem.gcj02.toWGS84(gcj)
        #expect(gap(ChinaOffset.gcj02(fromWGS84: ours), gcj) < 1e-9)
        #expect(gap(ChinaOffset.gcj02(fromWGS84: oneStep), gcj) > 5e-6, "the one-step value would land on the GCJ-02 point too")
        let apart = GeoDistance.meters(ours, oneStep)
        #expect(apart > 1 && apart < 3, "\(apart) m")
    }

    // MARK: Properties

    @Test("outside mainland China nothing is offset, in any system")
    func outsideChina() {
        for point in [GeoPoint(lon: 2.35, lat: 48.85), GeoPoint(lon: 0, lat: 0), GeoPoint(lon: 139.69, lat: 35.68), GeoPoint(lon: -74.0, lat: 40.7)] {
            for system in CoordinateSystem.allCases {
                #expect(system.toWGS84(point) == point, "\(system) \(point)")
                #expect(system.fromWGS84(point) == point, "\(system) \(point)")
            }
        }
        #expect(ChinaOffset.applies(at: GeoPoint(lon: 111.68, lat: 40.82)))
        #expect(!ChinaOffset.applies(at: GeoPoint(lon: 140, lat: 40.82)))
    }

    /// 10,000 seeded points over the demo city's box (every grid's bounding box plus 0.05°, the
    /// box intake accepts): for every system, WGS84 → system → WGS84 and system → WGS84 → system
    /// return the point within 1e-9° (0.1 mm; the brief asks for 1e-7°), and the GCJ-02 and BD-09
    /// offsets are the few hundred metres that move a report out of its ≈ 100 m grid.
    @Test("round trips over the city's box return the point; the offsets are hundreds of metres")
    func roundTrips() throws {
        let grids = try shippedReference().grids
        let lon = (grids.map(\.polygon.min.lon).min()! - 0.05)...(grids.map(\.polygon.max.lon).max()! + 0.05)
        let lat = (grids.map(\.polygon.min.lat).min()! - 0.05)...(grids.map(\.polygon.max.lat).max()! + 0.05)
        var random = SeededGenerator(seed: 20_261_125)
        var worst = 0.0
        var offsets: [CoordinateSystem: ClosedRange<Double>] = [:]
        for _ in 0..<10_000 {
            let p = GeoPoint(lon: Double.random(in: lon, using: &random), lat: Double.random(in: lat, using: &random))
            for system in CoordinateSystem.allCases {
                let there = system.fromWGS84(p)
                let back = system.toWGS84(there)
                let again = system.fromWGS84(system.toWGS84(p))
                worst = max(worst, gap(back, p), gap(again, p))
                let metres = GeoDistance.meters(p, there)
                offsets[system] = offsets[system].map { min($0.lowerBound, metres)...max($0.upperBound, metres) } ?? metres...metres
            }
        }
        #expect(worst < 1e-9, "worst round trip \(worst)°")
        #expect(offsets[.wgs84] == 0...0 && offsets[.cgcs2000] == 0...0)
        // Around Hohhot (40.8°N 111.7°E) GCJ-02 moves a point about 590 m east-north-east, BD-09 about 1.4 km.
        let gcj = try #require(offsets[.gcj02])
        let bd = try #require(offsets[.bd09])
        #expect(gcj.lowerBound > 300 && gcj.upperBound < 800, "\(gcj)")
        #expect(bd.lowerBound > 800 && bd.upperBound < 2_000, "\(bd)")
    }

    /// The must-show point, checked without I/O (the integration test sends the same numbers
    /// through intake and grid-routing): the centroid of unit grid 150105001004004 and the numbers
    /// a 高德-based app shows for it, rounded to six decimals as apps send them.
    @Test("a GCJ-02 point converted lands in its WGS84 twin's grid; the same numbers taken as WGS84 do not")
    func gridOfTheMustShowPoint() throws {
        let reference = try shippedReference()
        let day = try #require(CivilDate(iso: "2026-11-25"))
        let twin = GeoPoint(lon: 111.683779, lat: 40.816827)
        let gcj = CoordinateSystem.gcj02.fromWGS84(twin)
        let sent = GeoPoint(lon: (gcj.lon * 1e6).rounded() / 1e6, lat: (gcj.lat * 1e6).rounded() / 1e6)
        #expect(sent == GeoPoint(lon: 111.690593, lat: 40.81818))
        #expect(reference.grid(containing: twin, on: day)?.code == "150105001004004")
        #expect(reference.grid(containing: CoordinateSystem.gcj02.toWGS84(sent), on: day)?.code == "150105001004004")
        #expect(reference.grid(containing: sent, on: day)?.code == "150105002001004")
        let bd = CoordinateSystem.bd09.fromWGS84(twin)
        #expect(reference.grid(containing: CoordinateSystem.bd09.toWGS84(bd), on: day)?.code == "150105001004004")
    }

    // MARK: Names

    @Test("system names: case, '-', '_' and spaces ignored, bd09ll is bd09; Mercator and unknown names are not systems")
    func names() {
        #expect(CoordinateSystem(name: "GCJ-02") == .gcj02)
        #expect(CoordinateSystem(name: "gcj02") == .gcj02)
        #expect(CoordinateSystem(name: "WGS84") == .wgs84)
        #expect(CoordinateSystem(name: "wgs_84") == .wgs84)
        #expect(CoordinateSystem(name: "CGCS2000") == .cgcs2000)
        #expect(CoordinateSystem(name: "BD-09") == .bd09)
        #expect(CoordinateSystem(name: "bd09ll") == .bd09)
        for unknown in ["bd09mc", "mars", "", "gcj", "EPSG:4326"] {
            #expect(CoordinateSystem(name: unknown) == nil, "\(unknown)")
        }
        #expect(CoordinateSystem.names == "wgs84, cgcs2000, gcj02, bd09")
    }

    // MARK: Channel defaults

    @Test("the demo's channel defaults: the public app sends GCJ-02, supervisors and Open311 WGS84, the hotlines CGCS2000")
    func demoDefaults() throws {
        let defaults = try ChannelCoordinates.load(from: Self.referenceDirectory)
        #expect(defaults.entries.count == ReportChannel.allCases.count)
        #expect(defaults.defaultSystem(for: .app) == .gcj02)
        #expect(defaults.defaultSystem(for: .supervisor) == .wgs84)
        #expect(defaults.defaultSystem(for: .open311) == .wgs84)
        for channel in [ReportChannel.hotline12345, .hotline12319, .police110, .video] {
            #expect(defaults.defaultSystem(for: channel) == .cgcs2000, "\(channel)")
        }
    }

    @Test("a bad channel-coordinates file names every problem by line and field, and a channel without a default")
    func badDefaults() {
        let text = """
            channel,coordinate_system,note,source
            supervisor,wgs84,handsets,demo
            supervisor,gcj02,again,demo
            app,GCJ-02,the lenient spelling is for clients,demo
            fax,wgs84,no such channel,demo
            open311,wgs84,,guess
            """
        guard case .failure(let errors) = ChannelCoordinates.parse(text) else {
            Issue.record("a bad file loaded")
            return
        }
        let found = errors.errors.map { "\($0.line):\($0.field ?? "")" }
        #expect(found == ["3:channel", "4:coordinate_system", "5:channel", "6:source", "0:channel"], "\(errors)")
        #expect(errors.description.contains("missing: hotline_12345, hotline_12319, police_110, app, video"), "\(errors)")
        guard case .failure(let header) = ChannelCoordinates.parse("channel,note\nsupervisor,x\n") else {
            Issue.record("a file without a coordinate_system column loaded")
            return
        }
        #expect(header.description.contains("missing column(s) coordinate_system, source"))
    }
}
