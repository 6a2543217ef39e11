/// The principle a responsibility rule follows.
public enum RuleOrder: String, Sendable, Codable, CaseIterable {
    /// 先属主后属地: the component's owner first, the territory (street office) after. For components.
    case ownerThenTerritory = "owner_then_territory"
    /// 先属地后属主: the territory first, the owner/sector after. For events.
    case territoryThenOwner = "territory_then_owner"
}

/// How cases of one class are routed (`responsibility-rules.csv`). A rule is given for a major
/// class or a (sub-)class; the most specific rule wins (third level, then sub-class, then major).
public struct ResponsibilityRule: Hashable, Sendable, Codable {
    /// The `sector_department` value that means "the district government of the case's location".
    public static let districtGovernmentToken = "DISTRICT"

    /// Component (部件) or event (事件).
    public var kind: ClassKind
    /// Major ("05"), sub-class ("0504") or third-level code ("050401").
    public var classCode: String
    /// Owner-first (components) or territory-first (events).
    public var order: RuleOrder
    /// The sector department (or, for components, the default owner of the class); may be
    /// ``districtGovernmentToken``; `nil` if the class has none.
    public var sectorDepartment: String?
    /// `true` if the street office comes before the sector department.
    public var streetFirst: Bool
    /// Free-text remark.
    public var note: String

    /// Creates a value as given; validation is the loader's job.
    public init(kind: ClassKind, classCode: String, order: RuleOrder, sectorDepartment: String?, streetFirst: Bool, note: String = "") {
        self.kind = kind
        self.classCode = classCode
        self.order = order
        self.sectorDepartment = sectorDepartment
        self.streetFirst = streetFirst
        self.note = note
    }

    /// The class the rule is given for.
    public var classKey: ClassKey { ClassKey(kind, classCode) }

    /// The candidate steps in the order the resolver tries them.
    ///
    /// * territory part: `street, sector` if ``streetFirst``, else `sector, street`;
    /// * owner-then-territory: `owner` + territory part + `district`;
    /// * territory-then-owner: territory part + `owner` + `district`.
    public var steps: [ResolutionStep] {
        let territory: [ResolutionStep] = streetFirst ? [.street, .sector] : [.sector, .street]
        switch order {
        case .ownerThenTerritory: return [.owner] + territory + [.district]
        case .territoryThenOwner: return territory + [.owner, .district]
        }
    }
}

/// A candidate source of the responsible department.
public enum ResolutionStep: String, Sendable, Codable, CaseIterable {
    /// The owner on the component record (属主).
    case owner
    /// The rule's sector department (or the district government for the `DISTRICT` token).
    case sector
    /// The street office of the grid the case lies in (属地).
    case street
    /// The district government of the grid the case lies in (兜底).
    case district
}

/// Why a case needs a human dispatcher.
public enum ManualReason: String, Sendable, Codable, CaseIterable {
    /// No location (no grid, hence no street or district) and no component owner.
    case locationUnknown = "location_unknown"
    /// No rule for the class, nor for its parents.
    case noRule = "no_rule"
    /// Every step of the rule came up empty or named an unknown department.
    case noCandidate = "no_candidate"
}

/// The outcome of routing: a department (and the step that chose it) or the manual queue.
public enum Resolution: Hashable, Sendable, Codable, CustomStringConvertible {
    case department(String, via: ResolutionStep)
    case manual(ManualReason)

    /// The chosen department code, `nil` for manual dispatch.
    public var departmentCode: String? {
        if case .department(let code, _) = self { return code }
        return nil
    }

    /// The department code or `manual(<reason>)`.
    public var description: String {
        switch self {
        case .department(let code, let step): "\(code) (via \(step.rawValue))"
        case .manual(let reason): "manual(\(reason.rawValue))"
        }
    }
}

/// Applies the responsibility rules: a pure function from (class, component owner, location) to
/// the responsible department. The grid-routing service locates the case first (grid → street
/// office and district government) and looks up the component owner, then calls ``resolve``.
///
/// Evaluation, exactly:
/// 1. If neither a component owner, a street office nor a district government is known, the
///    case cannot be located: `.manual(.locationUnknown)`.
/// 2. Find the rule for the class: the class's own code, else its parent, else its major.
///    None: `.manual(.noRule)`.
/// 3. Walk ``ResponsibilityRule/steps``; each step yields a code (owner → `componentOwner`,
///    sector → the rule's sector department, or the district government for `DISTRICT`,
///    street → `streetOffice`, district → `districtGovernment`). The first code that is a known
///    department wins. None: `.manual(.noCandidate)`.
public struct ResponsibilityResolver: Sendable {
    private let rules: [ClassKey: ResponsibilityRule]
    private let departmentCodes: Set<String>

    /// - Parameters:
    ///   - rules: the city's rules.
    ///   - departmentCodes: codes of all known departments; a step naming anything else is skipped.
    public init(rules: [ResponsibilityRule], departmentCodes: Set<String>) {
        var byKey: [ClassKey: ResponsibilityRule] = [:]
        for rule in rules { byKey[rule.classKey] = rule }
        self.rules = byKey
        self.departmentCodes = departmentCodes
    }

    /// The rule that applies to a class: its own, else the nearest ancestor's.
    public func rule(for key: ClassKey) -> ResponsibilityRule? {
        var current: ClassKey? = key
        while let k = current {
            if let rule = rules[k] { return rule }
            current = k.parent
        }
        return nil
    }

    /// Chooses the responsible department.
    /// - Parameters:
    ///   - subclass: the case's class (sub-class or third level).
    ///   - componentOwner: owner department code from the component register, if the case names a component.
    ///   - streetOffice: street-office department code of the grid the case lies in.
    ///   - districtGovernment: district-government department code of that grid.
    public func resolve(subclass: ClassKey, componentOwner: String?, streetOffice: String?,
                        districtGovernment: String?) -> Resolution {
        if componentOwner == nil && streetOffice == nil && districtGovernment == nil {
            return .manual(.locationUnknown)
        }
        guard let rule = rule(for: subclass) else { return .manual(.noRule) }
        for step in rule.steps {
            let candidate: String?
            switch step {
            case .owner: candidate = componentOwner
            case .sector:
                candidate = rule.sectorDepartment == ResponsibilityRule.districtGovernmentToken ? districtGovernment : rule.sectorDepartment
            case .street: candidate = streetOffice
            case .district: candidate = districtGovernment
            }
            if let code = candidate, departmentCodes.contains(code) { return .department(code, via: step) }
        }
        return .manual(.noCandidate)
    }
}
