import CityGridModel
import CityGridPlatform
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import IntakeService
import Testing

/// The demo city's reference data, loaded once for the pure tests.
enum Fixtures {
    static let referencePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shared/reference-data").path
    static let reference: ReferenceData = try! ReferenceData.load(from: URL(fileURLWithPath: referencePath))
    static let channelCoordinates: ChannelCoordinates = try! ChannelCoordinates.load(from: URL(fileURLWithPath: referencePath))
    static let validator = ReportValidator(reference: reference, bounds: CityBounds(grids: reference.grids), channelCoordinates: channelCoordinates)
    static let now = RFC3339.parse("2026-11-25T10:00:00Z")!
}

@Suite("Intake pure logic")
struct IntakeUnitTests {
    @Test("case numbers use the city-day in Asia/Shanghai and four digits")
    func caseNumberFormatting() {
        let numbering = CaseNumbering(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        // 17:30 UTC is already the next day in Shanghai (UTC+8).
        let late = RFC3339.parse("2026-11-25T17:30:00Z")!
        #expect(numbering.format(date: late, sequence: 42) == "20261126-0042")
        #expect(numbering.day(of: late) == "2026-11-26")
        let early = RFC3339.parse("2026-11-25T15:59:59Z")!
        #expect(numbering.format(date: early, sequence: 1) == "20261125-0001")
        #expect(numbering.format(date: early, sequence: 12_345) == "20261125-12345")
    }

    @Test("every number it writes is a number prefix of itself, and only such shapes are")
    func caseNumberPrefixShape() {
        let numbering = CaseNumbering(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        for sequence in [1, 42, 9_999, 12_345] {
            let number = numbering.format(date: Fixtures.now, sequence: sequence)
            #expect(CaseNumbering.isNumberPrefix(number), "\(number)")
            #expect(CaseNumbering.isNumberPrefix(String(number.prefix(9))), "\(number)")
            // Searching the supervisors' way relies on the dash being the ninth character.
            #expect(number.utf8.firstIndex(of: UInt8(ascii: "-")) == number.utf8.index(number.utf8.startIndex, offsetBy: 8))
        }
        for text in ["20261125", "2026112-0001", "20261125-00a1", "202611250-001", "２０２６１１２５-0001", "20261125-0001 ", "井盖", ""] {
            #expect(!CaseNumbering.isNumberPrefix(text), "\(text)")
        }
    }

    @Test("report and Open311 statuses are the words the SQL and the view use")
    func statuses() {
        #expect(ReportStatus.allCases.map(\.rawValue) == ["open", "linked", "closed"])
        #expect(Open311Status.allCases.map(\.rawValue) == ["open", "closed"])
    }

    @Test("duplicate policy picks the nearest candidate inside radius and window")
    func duplicateMatch() throws {
        let policy = DuplicatePolicy(radiusMeters: 50, window: 24 * 3600)
        let here = GeoPoint(lon: 111.68, lat: 40.83)
        let t = Fixtures.now
        let near = DuplicatePolicy.Candidate(caseId: UUID(), caseNumber: "A", point: GeoPoint(lon: 111.6803, lat: 40.83), reportedAt: t)
        let nearer = DuplicatePolicy.Candidate(caseId: UUID(), caseNumber: "B", point: GeoPoint(lon: 111.6801, lat: 40.83), reportedAt: t)
        let far = DuplicatePolicy.Candidate(caseId: UUID(), caseNumber: "C", point: GeoPoint(lon: 111.681, lat: 40.83), reportedAt: t)
        let old = DuplicatePolicy.Candidate(caseId: UUID(), caseNumber: "D", point: here, reportedAt: t.addingTimeInterval(-25 * 3600))
        #expect(policy.match(point: here, at: t, among: [near, nearer, far, old])?.0.caseNumber == "B")
        #expect(policy.match(point: here, at: t, among: [far, old]) == nil)
        let env = try DuplicatePolicy.fromEnvironment(["CITYGRID_DUPLICATE_RADIUS_M": "100", "CITYGRID_DUPLICATE_WINDOW_H": "2"])
        #expect(env == DuplicatePolicy(radiusMeters: 100, window: 7200))
        #expect(try DuplicatePolicy.fromEnvironment([:]) == DuplicatePolicy())
        // A value that is not a number in range is an error, not the default.
        #expect(throws: ConfigurationError.self) { try DuplicatePolicy.fromEnvironment(["CITYGRID_DUPLICATE_RADIUS_M": "fifty"]) }
        #expect(throws: ConfigurationError.self) { try DuplicatePolicy.fromEnvironment(["CITYGRID_DUPLICATE_WINDOW_H": "-1"]) }
    }

    @Test("a valid supervisor report passes validation")
    func validReport() throws {
        let s = ReportSubmission(channel: "supervisor", kind: "event", classCode: "0502", conditionId: "0502-01",
                                 location: .init(longitude: 111.68, latitude: 40.82), description: "  流浪乞讨  ",
                                 photos: ["https://img.example.org/1.jpg"], reportedAt: "2026-11-25T09:55:00+08:00")
        let report = try Fixtures.validator.validate(s, now: Fixtures.now).get()
        #expect(report.channel == .supervisor)
        #expect(report.description == "流浪乞讨")
        #expect(report.reportedAt == RFC3339.parse("2026-11-25T01:55:00Z"))
    }

    @Test("a report from before the first year the working calendar covers is refused at the door (its deadlines could not be counted)")
    func reportBeforeCalendarCoverage() throws {
        func submission(_ at: String) -> ReportSubmission {
            ReportSubmission(channel: "supervisor", kind: "event", classCode: "0502", conditionId: "0502-01",
                             location: .init(longitude: 111.68, latitude: 40.82), description: "流浪乞讨",
                             photos: ["https://img.example.org/1.jpg"], reportedAt: at)
        }
        guard case .failure(let failure) = Fixtures.validator.validate(submission("2024-12-31T23:59:00+08:00"), now: Fixtures.now) else {
            Issue.record("expected a failure"); return
        }
        #expect(failure.problems.map(\.field) == ["reportedAt"])
        #expect(failure.problems.first?.problem.contains("first covered year: 2025") == true, "\(failure.problems)")
        // The first minute of the first official year is fine.
        #expect(throws: Never.self) { try Fixtures.validator.validate(submission("2025-01-01T00:00:00+08:00"), now: Fixtures.now).get() }
        // Outside the sane span (1900-2200) the date is refused as such, before any calendar question.
        guard case .failure(let ancient) = Fixtures.validator.validate(submission("0001-01-01T00:00:00Z"), now: Fixtures.now) else {
            Issue.record("expected a failure"); return
        }
        #expect(ancient.problems.map(\.field) == ["reportedAt"])
        #expect(ancient.problems.first?.problem == DateBounds.problem)
    }

    @Test("a time read and written again is the same to the millisecond, whatever its fraction (a fuzz find)")
    func rfc3339RoundTrip() throws {
        // Input found by scripts/fuzz (target envelope): Tests/Fuzz/corpus/envelope/millisecond-round-trip.json.
        for text in ["2026-11-25T02:00:00.004Z", "2026-11-25T02:00:00.999Z", "1969-12-31T23:59:59.001Z", "2200-12-31T23:59:59.999Z",
                     "2026-11-25T02:00:00.000Z", "1900-01-01T00:00:00.123Z"] {
            let once = RFC3339.format(try #require(RFC3339.parse(text)))
            #expect(once == text)
            #expect(RFC3339.format(try #require(RFC3339.parse(once))) == once)
        }
        #expect(RFC3339.format(try #require(RFC3339.parse("2026-11-25T10:00:00.25+08:00"))) == "2026-11-25T02:00:00.250Z")
        #expect(RFC3339.format(try #require(RFC3339.parse("2026-11-25T10:00:00+08:00"))) == "2026-11-25T02:00:00.000Z")
    }

    @Test("the message and body decoder refuses dates outside the years 1900-2200 and keeps those inside")
    func dateBoundsInDecoder() throws {
        struct Stamp: Decodable { var at: Date }
        let decoder = MessageCoding.decoder()
        for inside in ["1900-01-01T00:00:00Z", "2200-12-31T23:59:59Z", "2026-12-03T08:00:00+08:00"] {
            #expect(throws: Never.self) { try decoder.decode(Stamp.self, from: Data("{\"at\":\"\(inside)\"}".utf8)) }
        }
        for outside in ["1899-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
            #expect(throws: DecodingError.self, "\(outside)") { try decoder.decode(Stamp.self, from: Data("{\"at\":\"\(outside)\"}".utf8)) }
        }
    }

    @Test("validation lists every problem with its field path")
    func validationListsEverything() {
        let s = ReportSubmission(channel: "fax", channelReference: nil, kind: "event", classCode: "0502", conditionId: "0101-01",
                                 componentCode: "123", location: .init(longitude: 2.35, latitude: nil), description: " ",
                                 photos: ["ftp://x/y.jpg", "https://ok.example/1.jpg", "not a url"], reportedAt: "yesterday")
        guard case .failure(let failure) = Fixtures.validator.validate(s, now: Fixtures.now) else {
            Issue.record("expected a failure"); return
        }
        let fields = Set(failure.problems.map(\.field))
        #expect(fields == ["channel", "conditionId", "componentCode", "location.latitude", "description", "photos[0]", "photos[2]", "reportedAt"])
    }

    @Test("validation checks the reference data: class, condition, component, city bounds, some location")
    func validationAgainstReference() {
        func fields(_ s: ReportSubmission) -> Set<String> {
            if case .failure(let f) = Fixtures.validator.validate(s, now: Fixtures.now) { return Set(f.problems.map(\.field)) }
            return []
        }
        #expect(fields(ReportSubmission(channel: "app", kind: "event", classCode: "9999", location: .init(address: "x"), description: "d")) == ["classCode"])
        #expect(fields(ReportSubmission(channel: "app", kind: "event", classCode: "05", location: .init(address: "x"), description: "d")) == ["classCode"])
        #expect(fields(ReportSubmission(channel: "app", kind: "event", classCode: "0502", location: .init(longitude: 2.35, latitude: 48.85), description: "d")) == ["location"])
        #expect(fields(ReportSubmission(channel: "app", kind: "event", classCode: "0502", location: nil, description: "d")) == ["location"])
        #expect(fields(ReportSubmission(channel: "app", kind: "component", classCode: "0101", componentCode: "1501020101000001", description: "d")).isEmpty)
        #expect(fields(ReportSubmission(channel: "app", kind: "component", classCode: "0102", componentCode: "1501020101000001", description: "d")) == ["componentCode"])
        #expect(fields(ReportSubmission(channel: "app", kind: "component", classCode: "0101", componentCode: "1501029999999999", description: "d")) == ["componentCode"])
        #expect(fields(ReportSubmission(channel: "hotline_12345", kind: "event", classCode: "0502", location: .init(address: "x"), description: "d")).isEmpty)
        // A third-level class takes its own filing conditions; another class's condition is refused.
        #expect(fields(ReportSubmission(channel: "app", kind: "event", classCode: "050403", conditionId: "050403-01", location: .init(address: "x"), description: "d")).isEmpty)
        #expect(fields(ReportSubmission(channel: "app", kind: "event", classCode: "0502", conditionId: "0102-01", location: .init(address: "x"), description: "d")) == ["conditionId"])
        let hotlineOnly = Fixtures.validator.validate(ReportSubmission(channel: "app", kind: "event", classCode: "0502", location: .init(address: "x"), description: "d"),
                                                      now: Fixtures.now, allowedChannels: [.hotline12345])
        if case .success = hotlineOnly { Issue.record("app channel must be refused on the hotline queue") }
    }

    @Test("a component code alone supplies the coordinates from the register")
    func componentSuppliesCoordinates() throws {
        let s = ReportSubmission(channel: "supervisor", kind: "component", classCode: "0101", componentCode: "1501020101000001", description: "井盖缺失")
        let report = try Fixtures.validator.validate(s, now: Fixtures.now).get()
        #expect(report.point == GeoPoint(lon: 111.6800926, lat: 40.8327770))
    }

    @Test("Open311 form bodies decode percent-escapes, plus signs and attributes")
    func formDecoding() {
        let form = Open311Form("api_key=k&description=a+b%26c&lat=&attribute%5Bcondition%5D=0502-01&attribute[tags][]=x&attribute[tags][]=y")
        #expect(form["api_key"] == "k")
        #expect(form["description"] == "a b&c")
        #expect(form["lat"] == nil)
        #expect(form.attributes["condition"] == ["0502-01"])
        #expect(form.attributes["tags"] == ["x", "y"])
    }

    @Test("Open311 documents render as XML and JSON, errors in the spec's format")
    func documentRendering() {
        let errors = Open311Document.errors([(403, "invalid api_key <x>")])
        #expect(errors.render(.json) == #"[{"code":403,"description":"invalid api_key <x>"}]"#)
        #expect(errors.render(.xml) == "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors><error><code>403</code><description>invalid api_key &lt;x&gt;</description></error></errors>")
        #expect(Open311Format.split("requests.json")! == ("requests", .json))
        #expect(Open311Format.split("20261125-0001.xml")! == ("20261125-0001", .xml))
        #expect(Open311Format.split("requests.html") == nil)
    }

    @Test("text XML 1.0 cannot carry (controls, U+FFFE, U+FFFF) is left out of Open311 XML, which still parses (a fuzz find)")
    func xmlLeavesOutNonCharacters() {
        // Input found by scripts/fuzz (target open311): Tests/Fuzz/corpus/open311/noncharacter-fffe.txt.
        let form = Open311Form("description=a%EF%BF%BEb%EF%BF%BFc%01d")
        let document = Open311Document(root: "service_requests", value: .list(element: "request", [.object([("description", .text(form["description"]!))])]))
        let xml = document.render(.xml)
        #expect(xml.contains("<description>abcd</description>"), "\(xml)")
        #expect(XMLParser(data: Data(xml.utf8)).parse())
    }

    @Test("Open311 services are the sub-classes, grouped by major class, with the filing conditions as attributes")
    func catalogue() {
        let catalogue = Open311Catalogue(reference: Fixtures.reference)
        let codes = catalogue.services.map(Open311Catalogue.code)
        #expect(codes.contains("event-0502"))
        #expect(codes.contains("component-0101"))
        #expect(!codes.contains("event-05"))
        let json = catalogue.definition(catalogue.service("component-0101")!).render(.json)
        #expect(json.contains(#""code":"condition","datatype":"singlevaluelist""#))
        #expect(json.contains(#""key":"0101-01""#))
        #expect(json.contains(#""code":"component_code""#))
        #expect(catalogue.service("event-9999") == nil)
    }

    @Test("photos: a bare URL is a report photo; objects declare report, before or after")
    func photoPurposes() throws {
        func submission(_ photos: [ReportSubmission.PhotoInput], selfHandled: Bool? = nil, channel: String = "supervisor") -> ReportSubmission {
            ReportSubmission(channel: channel, kind: "event", classCode: "0502", conditionId: "0502-01",
                             location: .init(longitude: 111.68, latitude: 40.82), description: "流浪乞讨", photos: photos,
                             reportedAt: "2026-11-25T09:55:00+08:00", selfHandled: selfHandled)
        }
        func fields(_ s: ReportSubmission) -> [String] {
            if case .failure(let f) = Fixtures.validator.validate(s, now: Fixtures.now) { return f.problems.map(\.field) }
            return []
        }
        let plain = try Fixtures.validator.validate(submission(["https://img.example.org/1.jpg"]), now: Fixtures.now).get()
        #expect(plain.photos == [.report("https://img.example.org/1.jpg")])

        // A self-handled report declares its evidence; the order of the list means nothing.
        let evidence = submission([.init(url: "https://img.example.org/after.jpg", purpose: "after"),
                                   .init(url: "https://img.example.org/before.jpg", purpose: "before"),
                                   "https://img.example.org/scene.jpg"], selfHandled: true)
        let selfHandled = try Fixtures.validator.validate(evidence, now: Fixtures.now).get()
        #expect(selfHandled.photos == [Photo(url: "https://img.example.org/after.jpg", purpose: .after),
                                       Photo(url: "https://img.example.org/before.jpg", purpose: .before),
                                       .report("https://img.example.org/scene.jpg")])

        // Without an after (or before) photo a self-handled report is refused, whatever the order.
        #expect(fields(submission(["https://img.example.org/b.jpg", "https://img.example.org/a.jpg"], selfHandled: true)) == ["photos"])
        #expect(fields(submission([.init(url: "https://img.example.org/b.jpg", purpose: "before")], selfHandled: true)) == ["photos"])
        // before / after belong to a supervisor's self-handled report; other purposes are not a reporter's.
        #expect(fields(submission([.init(url: "https://img.example.org/b.jpg", purpose: "before")])) == ["photos[0].purpose"])
        #expect(fields(submission([.init(url: "https://img.example.org/c.jpg", purpose: "check")])) == ["photos[0].purpose"])
        #expect(fields(submission([.init(url: "https://img.example.org/c.jpg", purpose: "selfie")])) == ["photos[0].purpose"])
        #expect(fields(submission([.init(url: "ftp://img.example.org/c.jpg", purpose: "report")])) == ["photos[0].url"])

        // Both shapes decode from JSON; anything else is named, not a body error.
        let json = #"{"photos": ["https://img.example.org/1.jpg", {"url": "https://img.example.org/2.jpg", "purpose": "report"}, 7]}"#
        let decoded = try MessageCoding.decoder().decode(ReportSubmission.self, from: Data(json.utf8))
        #expect(decoded.photos?.map(\.url) == ["https://img.example.org/1.jpg", "https://img.example.org/2.jpg", nil])
        #expect(decoded.photos?.map(\.wellFormed) == [true, true, false])
    }
}
