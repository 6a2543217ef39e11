import CityGridModel
import Foundation

/// Dispatch accuracy over the labelled demo reports, with the service's own geocoder, locator
/// and planner (grid lookup in memory instead of PostGIS).
public struct DispatchAccuracy: Sendable {
    /// One report the pipeline got wrong.
    public struct Miss: Sendable, CustomStringConvertible {
        public var reportId: String
        public var caseType: String
        public var address: String?
        public var expected: String
        public var actual: String
        public var description: String { "\(reportId) [\(caseType)] \(address ?? "-"): expected \(expected), got \(actual)" }
    }

    public var total: Int
    public var correct: Int
    public var misses: [Miss]

    public var ratio: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// `dispatch accuracy: 292/300 = 97.3 %`
    public var summary: String { String(format: "dispatch accuracy: %d/%d = %.1f %%", correct, total, ratio * 100) }

    public static func evaluate(_ reference: ReferenceData, geocoder: Geocoder? = nil) -> DispatchAccuracy {
        let locator = Locator(reference: reference, geocoder: geocoder ?? Geocoder(gazetteer: reference.gazetteer))
        let planner = DispatchPlanner(reference: reference)
        var correct = 0
        var misses: [Miss] = []
        for report in reference.labelledReports {
            let date = reference.calendar.civilDate(of: report.reportedAt)
            let place = ReportPlace(componentCode: report.componentCode, point: report.location, address: report.address)
            let location = locator.locate(place) { point in reference.grid(containing: point, on: date).map(GridHit.init) }
            let expected = "\(report.expectedGrid ?? "-")/\(report.expectedDepartment ?? "manual")"
            let actual: String
            if let location {
                let decision = planner.decide(kind: report.classKey.kind, classCode: report.classKey.code,
                                              componentCode: report.componentCode, gridCode: location.grid.gridCode)
                let department: String
                if case .department(let code, _) = decision { department = code } else { department = "manual" }
                actual = "\(location.grid.gridCode)/\(department)"
            } else {
                actual = "-/manual"
            }
            if actual == expected { correct += 1 } else {
                misses.append(Miss(reportId: report.id, caseType: report.caseType, address: report.address, expected: expected, actual: actual))
            }
        }
        return DispatchAccuracy(total: reference.labelledReports.count, correct: correct, misses: misses)
    }
}
