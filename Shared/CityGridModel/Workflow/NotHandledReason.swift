import Foundation

/// Why the centre ends a case without handling it, as a code the reporting channel can act on.
/// Optional beside the free-text reason of 不予受理 (`reject_at_accept`), 不予立案
/// (`refuse_filing`) and 作废 (`void`); recorded in the entry's details as `reason_code`.
///
/// Raw values are stable: they are stored in timelines and sent to hotlines.
public enum NotHandledReason: String, Codable, Sendable, CaseIterable {
    /// 退回: not a city-management matter. The report goes back to the channel it came from with
    /// the suggested competent body (有权处理单位, `competent_body`), which is then required.
    case outsideCityManagement = "outside_city_management"

    /// Longest competent body's name accepted.
    public static let competentBodyMaxLength = 200

    /// The problems of an optional reason code and competent body as a staff command sends them,
    /// each as (field, problem): an unknown code; `outside_city_management` without a competent
    /// body; a competent body without that code (it would say nothing to anyone).
    public static func problems(reasonCode: String?, competentBody: String?) -> [(field: String, problem: String)] {
        var problems: [(field: String, problem: String)] = []
        let code = reasonCode.map { NotHandledReason(rawValue: $0) }
        if case .some(nil) = code {
            problems.append(("reasonCode", "must be one of \(allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        // A blank name is no name.
        let body = competentBody?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        switch (code, body) {
        case (.some(.outsideCityManagement), nil):
            problems.append(("competentBody", "is required with reasonCode outside_city_management (有权处理单位)"))
        case (.some(.outsideCityManagement), .some(let name)) where name.count > competentBodyMaxLength:
            problems.append(("competentBody", "must be at most \(competentBodyMaxLength) characters"))
        case (.none, .some), (.some(nil), .some):
            problems.append(("competentBody", "is only given with reasonCode outside_city_management"))
        default:
            break
        }
        return problems
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
