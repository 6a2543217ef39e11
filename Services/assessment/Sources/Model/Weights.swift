import Foundation

/// Configurable weights, grade bands and thresholds (`Shared/reference-data/assessment-weights.csv`).
public struct AssessmentWeights: Sendable, Hashable, Codable {
    public var version: String = "builtin"
    /// Department (Chengdu Jinniu): 处置率, 按期处置率, 1−返工率, 1−超期待处置率, 1−延期率.
    public var departmentDisposal = 30.0, departmentOnTime = 20.0, departmentRework = 20.0
    public var departmentOverduePending = 20.0, departmentExtension = 10.0
    /// Region: 1−监督举报率, 立案数分值, 结案率, 按期结案率.
    public var areaReportRate = 10.0, areaFiledCount = 20.0, areaCloseRate = 30.0, areaOnTimeCloseRate = 40.0
    /// Supervisor: 有效上报率, 1−漏报率, 按时核实率, 按时核查率.
    public var supervisorValid = 40.0, supervisorMissed = 20.0, supervisorVerify = 20.0, supervisorCheck = 20.0
    /// Acceptor: 受理数分值, 核实按时派发率, 核查按时派发率.
    public var acceptorCount = 25.0, acceptorVerifyDispatch = 40.0, acceptorCheckDispatch = 35.0
    /// 受理数 score bands, highest threshold first: (minimum count, score).
    public var acceptorBands: [Band] = [.init(minimum: 2001, score: 100), .init(minimum: 1201, score: 90), .init(minimum: 501, score: 75),
                                        .init(minimum: 301, score: 60), .init(minimum: 101, score: 40)]
    /// Dispatcher: 按时派遣率, 准确派遣率.
    public var dispatcherOnTime = 50.0, dispatcherAccuracy = 50.0
    /// Grade lower bounds A, B, C, D (below D → E).
    public var gradeA = 90.0, gradeB = 75.0, gradeC = 60.0, gradeD = 40.0
    /// A location with more than this many complaints in a period is a repeat-complaint point.
    public var repeatThreshold = 5
    /// 完好率 definition: `open_case` or `reference_state`.
    public var facilityDefinition = "open_case"
    public var facilityAreaLevel: AreaLevel = .district

    public struct Band: Sendable, Hashable, Codable {
        public var minimum: Int
        public var score: Double
    }

    public init() {}

    /// Letter grade of a 0–100 score.
    public func grade(_ score: Double) -> String {
        if score >= gradeA { return "A" }
        if score >= gradeB { return "B" }
        if score >= gradeC { return "C" }
        if score >= gradeD { return "D" }
        return "E"
    }

    public func acceptorCountScore(_ count: Int) -> Double {
        acceptorBands.sorted { $0.minimum > $1.minimum }.first { count >= $0.minimum }?.score ?? 0
    }

    /// Parses the `key,value,note` CSV; unknown keys are an error so a typo cannot silently drop a weight.
    public static func parse(csv text: String) throws(WeightsError) -> AssessmentWeights {
        var w = AssessmentWeights()
        for (index, raw) in text.split(whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || index == 0 && line.hasPrefix("key,") { continue }
            let cols = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cols.count >= 2 else { throw .bad(line: index + 1, "expected key,value[,note]") }
            let key = cols[0], value = cols[1]
            func number() throws(WeightsError) -> Double {
                guard let d = Double(value), d >= 0 else { throw .bad(line: index + 1, "\(key) must be a non-negative number") }
                return d
            }
            switch key {
            case "version": w.version = value
            case "department.disposal_rate": w.departmentDisposal = try number()
            case "department.on_time_rate": w.departmentOnTime = try number()
            case "department.rework_rate": w.departmentRework = try number()
            case "department.overdue_pending_rate": w.departmentOverduePending = try number()
            case "department.extension_rate": w.departmentExtension = try number()
            case "area.report_rate": w.areaReportRate = try number()
            case "area.filed_count": w.areaFiledCount = try number()
            case "area.close_rate": w.areaCloseRate = try number()
            case "area.on_time_close_rate": w.areaOnTimeCloseRate = try number()
            case "supervisor.valid_report_rate": w.supervisorValid = try number()
            case "supervisor.missed_report_rate": w.supervisorMissed = try number()
            case "supervisor.on_time_verify_rate": w.supervisorVerify = try number()
            case "supervisor.on_time_check_rate": w.supervisorCheck = try number()
            case "acceptor.accept_count": w.acceptorCount = try number()
            case "acceptor.verify_dispatch_rate": w.acceptorVerifyDispatch = try number()
            case "acceptor.check_dispatch_rate": w.acceptorCheckDispatch = try number()
            case "acceptor.count_bands":
                var bands: [Band] = []
                for item in value.split(separator: ";") {
                    let pair = item.split(separator: ":")
                    guard pair.count == 2, let m = Int(pair[0]), let s = Double(pair[1]) else {
                        throw .bad(line: index + 1, "count_bands must be 'min:score;min:score…'")
                    }
                    bands.append(Band(minimum: m, score: s))
                }
                w.acceptorBands = bands
            case "dispatcher.on_time_rate": w.dispatcherOnTime = try number()
            case "dispatcher.accuracy_rate": w.dispatcherAccuracy = try number()
            case "grade.A": w.gradeA = try number()
            case "grade.B": w.gradeB = try number()
            case "grade.C": w.gradeC = try number()
            case "grade.D": w.gradeD = try number()
            case "repeat.threshold": w.repeatThreshold = Int(try number())
            case "facility.definition":
                guard value == "open_case" || value == "reference_state" else {
                    throw .bad(line: index + 1, "facility.definition must be open_case or reference_state")
                }
                w.facilityDefinition = value
            case "facility.area_level":
                guard let level = AreaLevel(rawValue: value) else { throw .bad(line: index + 1, "unknown area level \(value)") }
                w.facilityAreaLevel = level
            default: throw .bad(line: index + 1, "unknown key \(key)")
            }
        }
        return w
    }
}

public enum WeightsError: Error, CustomStringConvertible, Sendable {
    case bad(line: Int, String)
    public var description: String {
        switch self { case let .bad(line, problem): return "assessment-weights.csv line \(line): \(problem)" }
    }
}
