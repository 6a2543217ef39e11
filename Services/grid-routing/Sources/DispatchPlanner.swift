import CityGridModel
import Foundation

/// The routing decision for a filed case.
public enum DispatchDecision: Sendable, Equatable {
    case department(String, via: ResolutionStep)
    case manual(ManualDispatchRequired.Reason, detail: String)
}

/// Chooses the responsible department (部件先属主后属地, 事件先属地后属主) with
/// ``ResponsibilityResolver``, never choosing a department that already returned the case:
/// those are removed from the known departments, so the resolver moves on to the next candidate.
public struct DispatchPlanner: Sendable {
    public let reference: ReferenceData
    private let allDepartments: Set<String>

    public init(reference: ReferenceData) {
        self.reference = reference
        allDepartments = Set(reference.departments.map(\.code))
    }

    public func decide(kind: ClassKind, classCode: String, componentCode: String?, gridCode: String?,
                       excluding excluded: [String] = []) -> DispatchDecision {
        let key = ClassKey(kind, classCode)
        let owner = componentCode.flatMap { reference.component($0) }?.ownerDepartment
        let place = gridCode.flatMap { reference.territory(ofGrid: $0) }
        func resolve(_ codes: Set<String>) -> Resolution {
            ResponsibilityResolver(rules: reference.responsibilityRules, departmentCodes: codes)
                .resolve(subclass: key, componentOwner: owner, streetOffice: place?.streetOffice, districtGovernment: place?.districtGovernment)
        }
        let unrestricted = resolve(allDepartments)
        guard case .department = unrestricted else {
            return .manual(.noResponsibleDepartment, detail: "\(key): \(unrestricted)")
        }
        switch resolve(allDepartments.subtracting(excluded)) {
        case .department(let code, let via): return .department(code, via: via)
        case .manual:
            return .manual(.allCandidatesReturned, detail: "\(key): every candidate returned the case (\(excluded.sorted().joined(separator: ", ")))")
        }
    }

    /// The responsibility chain a dispatcher sees: the department the resolver picks, then the one
    /// it would pick if that one were gone, and so on, in order. Departments that returned the case
    /// stay in the chain, marked, so the dispatcher sees why the next one is proposed.
    public func chain(kind: ClassKind, classCode: String, componentCode: String?, gridCode: String?,
                      returned: [String] = []) -> [ChainLink] {
        var links: [ChainLink] = []
        var gone: [String] = []
        while links.count < allDepartments.count {
            guard case .department(let code, let via) = decide(kind: kind, classCode: classCode, componentCode: componentCode,
                                                             gridCode: gridCode, excluding: gone) else { break }
            links.append(ChainLink(departmentCode: code, step: via, returned: returned.contains(code)))
            gone.append(code)
        }
        return links
    }
}

/// One department of a responsibility chain, with the step of the rule that named it.
public struct ChainLink: Sendable, Equatable, Codable {
    public var departmentCode: String
    public var step: ResolutionStep
    public var returned: Bool
}
