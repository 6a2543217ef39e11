import CityGridModel
import CityGridPlatform
import Foundation
@testable import IntakeService
import Testing

/// How the validator takes a report's coordinates in the system it declares (or its channel's
/// default, `channel-coordinates.csv`) and converts them to WGS84 before any check (pure,
/// shipped reference data).
@Suite("Intake: declared coordinate systems")
struct CoordinateValidationTests {
    /// The centroid of unit grid 150105001004004, and the numbers GCJ-02 and BD-09 maps show for it.
    static let wgs = GeoPoint(lon: 111.683779, lat: 40.816827)
    static let gcj = CoordinateSystem.gcj02.fromWGS84(wgs)
    static let bd = CoordinateSystem.bd09.fromWGS84(wgs)

    static func report(_ point: GeoPoint?, channel: String = "supervisor", system: String? = nil, address: String? = nil,
                       componentCode: String? = nil) -> ReportSubmission {
        ReportSubmission(channel: channel, kind: componentCode == nil ? "event" : "component", classCode: componentCode == nil ? "0502" : "0101",
                         componentCode: componentCode,
                         location: .init(longitude: point?.lon, latitude: point?.lat, address: address), description: "流浪乞讨人员",
                         reportedAt: "2026-11-25T09:55:00+08:00", coordinateSystem: system)
    }

    static func valid(_ s: ReportSubmission) throws -> ValidReport { try Fixtures.validator.validate(s, now: Fixtures.now).get() }

    static func problems(_ s: ReportSubmission) -> [FieldProblem] {
        guard case .failure(let failure) = Fixtures.validator.validate(s, now: Fixtures.now) else { return [] }
        return failure.problems
    }

    func near(_ a: GeoPoint?, _ b: GeoPoint) -> Bool {
        guard let a else { return false }
        return abs(a.lon - b.lon) < 1e-9 && abs(a.lat - b.lat) < 1e-9
    }

    @Test("a declared GCJ-02 or BD-09 point is converted to WGS84 and kept as sent, with its system")
    func declared() throws {
        for (sent, name, system) in [(Self.gcj, "GCJ-02", CoordinateSystem.gcj02), (Self.gcj, "gcj02", .gcj02), (Self.bd, "bd09ll", .bd09),
                                     (Self.wgs, "WGS84", .wgs84), (Self.wgs, "cgcs2000", .cgcs2000)] {
            let report = try Self.valid(Self.report(sent, system: name))
            #expect(near(report.point, Self.wgs), "\(name): \(String(describing: report.point))")
            #expect(report.originalLocation == OriginalLocation(longitude: sent.lon, latitude: sent.lat, system: system), "\(name)")
        }
    }

    @Test("without a declaration the channel's default applies: the public app's GCJ-02 is converted, a supervisor's WGS84 is not")
    func channelDefaults() throws {
        let app = try Self.valid(Self.report(Self.gcj, channel: "app"))
        #expect(near(app.point, Self.wgs))
        #expect(app.originalLocation?.system == .gcj02)
        let supervisor = try Self.valid(Self.report(Self.gcj, channel: "supervisor"))
        #expect(supervisor.point == Self.gcj, "a supervisor's numbers are WGS84 already")
        #expect(supervisor.originalLocation == OriginalLocation(longitude: Self.gcj.lon, latitude: Self.gcj.lat, system: .wgs84))
        let hotline = try Self.valid(Self.report(Self.wgs, channel: "hotline_12345"))
        #expect(hotline.point == Self.wgs && hotline.originalLocation?.system == .cgcs2000)
        // An explicit declaration wins over the channel's default.
        let declared = try Self.valid(Self.report(Self.wgs, channel: "app", system: "wgs84"))
        #expect(declared.point == Self.wgs && declared.originalLocation?.system == .wgs84)
    }

    @Test("the converted point decides the grid: GCJ-02 numbers land in their twin's grid only when converted")
    func gridFollowsTheConvertedPoint() throws {
        let day = try #require(CivilDate(iso: "2026-11-25"))
        let converted = try #require(try Self.valid(Self.report(Self.gcj, system: "gcj02")).point)
        let uncorrected = try #require(try Self.valid(Self.report(Self.gcj, system: "wgs84")).point)
        #expect(Fixtures.reference.grid(containing: converted, on: day)?.code == "150105001004004")
        #expect(Fixtures.reference.grid(containing: uncorrected, on: day)?.code == "150105002001004")
    }

    @Test("the city box is checked on the converted point: a GCJ-02 point inside the box whose WGS84 twin is outside is refused")
    func boundsAfterConversion() throws {
        let bounds = CityBounds(grids: Fixtures.reference.grids)
        // 0.003° inside the west edge as numbers; GCJ-02 lies about 0.0068° east of WGS84 here, so the twin is outside.
        let edge = GeoPoint(lon: bounds.min.lon + 0.003, lat: (bounds.min.lat + bounds.max.lat) / 2)
        #expect(bounds.contains(edge))
        #expect(!bounds.contains(CoordinateSystem.gcj02.toWGS84(edge)))
        #expect(Self.problems(Self.report(edge, system: "wgs84")).isEmpty)
        let refused = Self.problems(Self.report(edge, system: "gcj02"))
        #expect(refused.map(\.field) == ["location"])
        #expect(refused.first?.problem.contains("in gcj02") == true && refused.first?.problem.contains("in WGS84) are outside the city") == true,
                "\(refused)")
    }

    @Test("an unknown system is named; invalid numbers are named once; a system without coordinates is harmless")
    func badInput() throws {
        #expect(Self.problems(Self.report(Self.gcj, system: "mars")).map(\.field) == ["coordinateSystem"])
        #expect(Self.problems(Self.report(Self.gcj, system: "bd09mc")).first?.problem.contains("use one of wgs84, cgcs2000, gcj02, bd09") == true)
        // With an unknown system the point cannot be placed, but the report's other problems are still all named.
        let many = Self.problems(ReportSubmission(channel: "fax", kind: "event", classCode: "0502",
                                                  location: .init(longitude: Self.gcj.lon, latitude: Self.gcj.lat), description: " ",
                                                  coordinateSystem: "mars"))
        #expect(Set(many.map(\.field)) == ["channel", "coordinateSystem", "description"])
        #expect(Self.problems(Self.report(GeoPoint(lon: 200, lat: 40.8), system: "gcj02")).map(\.field) == ["location"])
        let addressOnly = try Self.valid(Self.report(nil, channel: "app", system: "gcj02", address: "新华广场"))
        #expect(addressOnly.point == nil && addressOnly.originalLocation == nil)
    }

    @Test("a component's register position is WGS84 already: not converted, no original location")
    func componentPosition() throws {
        let report = try Self.valid(Self.report(nil, channel: "app", componentCode: "1501020101000001"))
        #expect(report.point == GeoPoint(lon: 111.6800926, lat: 40.8327770))
        #expect(report.originalLocation == nil)
    }

    @Test("a hotline message's coordinateSystem reaches the validator; an unknown one fails with the field named")
    func hotlineMessage() throws {
        var message = HotlineReport(channel: .hotline12345, channelReference: "12345-C", kind: .event, classCode: "0502",
                                    location: ReportedLocation(longitude: Self.bd.lon, latitude: Self.bd.lat), description: "路口有人乞讨",
                                    reportedAt: Fixtures.now, coordinateSystem: "bd09")
        let report = try Fixtures.validator.validate(ReportSubmission(message), now: Fixtures.now).get()
        #expect(near(report.point, Self.wgs) && report.originalLocation?.system == .bd09)
        message.coordinateSystem = "baidu-mercator"
        guard case .failure(let failure) = Fixtures.validator.validate(ReportSubmission(message), now: Fixtures.now) else {
            Issue.record("an unknown system was accepted"); return
        }
        #expect(failure.description.hasPrefix("coordinateSystem: 'baidu-mercator' is not a coordinate system here"), "\(failure)")
        // The message decodes with and without the field (it is optional).
        let encoded = try MessageCoding.encoder().encode(message)
        #expect(try MessageCoding.decoder().decode(HotlineReport.self, from: encoded).coordinateSystem == "baidu-mercator")
        var older = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        older["coordinateSystem"] = nil
        let decoded = try MessageCoding.decoder().decode(HotlineReport.self, from: try JSONSerialization.data(withJSONObject: older))
        #expect(decoded.coordinateSystem == nil)
    }
}
