import CityGridModel
import Foundation
import GridRoutingService
import Testing

/// The geocoder on a tiny hand-made gazetteer: exact, former names, typos, house numbers, unlocatable.
@Suite("Geocoder")
struct GeocoderTests {
    static func place(_ id: String, _ kind: GazetteerKind, _ name: String, road: String? = nil, number: String? = nil,
                      lon: Double = 111.68, lat: Double = 40.82, former: [String] = []) -> GazetteerEntry {
        GazetteerEntry(id: id, kind: kind, name: name, road: road, houseNumber: number, districtCode: "150102",
                       location: GeoPoint(lon: lon, lat: lat), line: nil, historicalNames: former, source: .demo)
    }

    let geocoder = Geocoder(gazetteer: [
        Self.place("R1", .road, "海拉尔东路"),
        Self.place("R2", .road, "呼伦贝尔南路", former: ["呼伦南路"]),
        Self.place("H1", .houseNumber, "海拉尔东路23号", road: "海拉尔东路", number: "23", lon: 111.69),
        Self.place("H2", .houseNumber, "呼伦贝尔南路51号", road: "呼伦贝尔南路", number: "51", lon: 111.70),
        Self.place("P1", .poi, "大召寺", lon: 111.6747),
        Self.place("P2", .poi, "新华广场", lon: 111.6833, former: ["人民广场"]),
        Self.place("P3", .poi, "内蒙古师范大学", lon: 111.6994),
        Self.place("A1", .area, "南茶坊片区", lon: 111.66),
    ])

    func located(_ text: String) -> GeocodeMatch? {
        if case .located(let match) = geocoder.geocode(text) { return match }
        return nil
    }

    @Test func exactPOIWithPositionWords() throws {
        let match = try #require(located("大召寺南门"))
        #expect(match.entry.id == "P1")
        #expect(match.method == .poi)
        #expect(match.score == 1)
    }

    @Test func historicalName() throws {
        let match = try #require(located("人民广场西侧"))
        #expect(match.entry.id == "P2")
        #expect(match.matchedName == "人民广场")
    }

    @Test func houseNumberOnCurrentAndFormerRoad() throws {
        #expect(located("海拉尔东路23号门前")?.entry.id == "H1")
        #expect(located("海拉尔东路２３号楼 附近")?.entry.id == "H1")  // full-width digits, 号楼, space
        let former = try #require(located("呼伦南路51号门口"))
        #expect(former.entry.id == "H2")
        #expect(former.method == .houseNumber)
    }

    @Test func unknownNumberFallsBackToTheRoad() throws {
        let match = try #require(located("海拉尔东路999号"))
        #expect(match.entry.id == "R1")
        #expect(match.method == .road)
    }

    @Test func typos() throws {
        #expect(located("大昭寺附近")?.entry.id == "P1")
        #expect(located("海拉儿东路23号旁边")?.entry.id == "H1")
        #expect(located("内师大西侧")?.entry.id == "P3")
        let fuzzy = try #require(located("大昭寺附近"))
        #expect(fuzzy.score < 1 && fuzzy.score >= geocoder.threshold)
    }

    @Test func unlocatable() {
        for text in ["在一个十字路口", "市里", "河边", "某小区北门", "", "  "] {
            #expect(located(text) == nil, "\(text) should be unlocatable")
        }
    }

    @Test func normalisation() {
        #expect(Geocoder.normalise(" 海拉尔东路 ２３號，门前") == "海拉尔东路23号门前")
        let parsed = Geocoder.parseHouseNumber("海拉尔东路023号门前")
        #expect(parsed?.road == "海拉尔东路")
        #expect(parsed?.number == "23")
        #expect(Geocoder.stripPosition("大召寺停车场入口") == "大召寺")
    }
}
