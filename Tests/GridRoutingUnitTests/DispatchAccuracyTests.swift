import CityGridModel
import Foundation
import GridRoutingService
import Testing

/// Loads the committed reference data once for the pure tests.
enum Reference {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shared/reference-data")
    static let data: ReferenceData = try! ReferenceData.load(from: directory)
}

/// Dispatch accuracy over `labelled-reports.csv` with the service's own geocoder, locator and
/// planner. `swift test --filter DispatchAccuracy` prints the figure.
@Suite("Dispatch accuracy")
struct DispatchAccuracyTests {
    @Test func dispatchAccuracyIsAtLeast95Percent() {
        let result = DispatchAccuracy.evaluate(Reference.data)
        print(result.summary)
        for miss in result.misses { print("  miss: \(miss)") }
        #expect(result.total >= 200)
        #expect(result.ratio >= 0.95, "\(result.summary)")
    }
}

/// The planner's use of the resolver: exclusions, manual outcomes.
@Suite("Dispatch planner")
struct DispatchPlannerTests {
    let planner = DispatchPlanner(reference: Reference.data)

    /// A located event report from the labelled set routed to a street office.
    func streetCase() throws -> LabelledReport {
        try #require(Reference.data.labelledReports.first {
            $0.expectedDepartment?.hasPrefix("STREET-") == true && $0.classKey.kind == .event && $0.expectedGrid != nil
        })
    }

    @Test func firstCandidateWithoutExclusions() throws {
        let report = try streetCase()
        let decision = planner.decide(kind: .event, classCode: report.classKey.code, componentCode: nil, gridCode: report.expectedGrid)
        #expect(decision == .department(report.expectedDepartment!, via: .street))
    }

    @Test func returningDepartmentIsSkipped() throws {
        let report = try streetCase()
        let decision = planner.decide(kind: .event, classCode: report.classKey.code, componentCode: nil, gridCode: report.expectedGrid,
                                      excluding: [report.expectedDepartment!])
        guard case .department(let code, _) = decision else { Issue.record("expected a department, got \(decision)"); return }
        #expect(code != report.expectedDepartment)
    }

    @Test func allCandidatesReturned() throws {
        let report = try streetCase()
        let everyone = Reference.data.departments.map(\.code)
        let decision = planner.decide(kind: .event, classCode: report.classKey.code, componentCode: nil, gridCode: report.expectedGrid,
                                      excluding: everyone)
        guard case .manual(let reason, _) = decision else { Issue.record("expected manual, got \(decision)"); return }
        #expect(reason == .allCandidatesReturned)
    }

    @Test func unknownLocationIsManual() {
        let decision = planner.decide(kind: .event, classCode: "0102", componentCode: nil, gridCode: nil)
        guard case .manual(let reason, _) = decision else { Issue.record("expected manual, got \(decision)"); return }
        #expect(reason == .noResponsibleDepartment)
    }
}

/// The locator's order of candidates and the recurrence key.
@Suite("Locator")
struct LocatorTests {
    let locator = Locator(reference: Reference.data, geocoder: Geocoder(gazetteer: Reference.data.gazetteer))
    let date = CivilDate(year: 2026, month: 6, day: 1)!

    func locate(_ place: ReportPlace) -> CaseLocation? {
        locator.locate(place) { Reference.data.grid(containing: $0, on: date).map(GridHit.init) }
    }

    @Test func componentPointWinsOverCoordinates() throws {
        let component = try #require(Reference.data.components.first)
        let location = try #require(locate(ReportPlace(componentCode: component.code, point: GeoPoint(lon: 0, lat: 0), address: nil)))
        #expect(location.method == .component)
        #expect(location.point == component.location)
    }

    @Test func coordinatesOutsideEveryGridFallBackToTheAddress() throws {
        let location = try #require(locate(ReportPlace(componentCode: nil, point: GeoPoint(lon: 100, lat: 30), address: "大召寺门口")))
        #expect(location.method == .poi)
        #expect(location.matchedName == "大召寺")
    }

    @Test func nothingUsableIsUnlocatable() {
        #expect(locate(ReportPlace(componentCode: "0000000000000000", point: GeoPoint(lon: 100, lat: 30), address: "河边")) == nil)
    }

    @Test func recurrenceKey() {
        #expect(Locator.recurrenceKey(gridCode: "150102001001001", kind: .event, classCode: "0102", address: "海拉尔东路 23号，门前")
            == "150102001001001:event0102:海拉尔东路23号门前")
    }
}
