/// Area class of a unit grid: A core downtown, B, C ordinary. Filing conditions give one time
/// limit per area class.
public enum AreaClass: String, Sendable, Codable, CaseIterable, Comparable {
    case a = "A"
    case b = "B"
    case c = "C"

    public static func < (lhs: AreaClass, rhs: AreaClass) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Who a filing condition names as responsible (监管主体 / 责任主体). Informative: dispatch itself
/// follows the ``ResponsibilityRule``s.
public enum ResponsibleHint: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The component's owner (属主), from the component register.
    case owner
    /// The territorial street office (属地).
    case territory
    /// The district government (无责任主体).
    case districtGovernment
    /// A named department.
    case department(String)

    /// Parses the CSV form: `owner`, `territory`, `DISTRICT` or a department code.
    public init(parsing text: String) {
        switch text {
        case "owner": self = .owner
        case "territory": self = .territory
        case ResponsibilityRule.districtGovernmentToken: self = .districtGovernment
        default: self = .department(text)
        }
    }

    /// The CSV form.
    public var description: String {
        switch self {
        case .owner: "owner"
        case .territory: "territory"
        case .districtGovernment: ResponsibilityRule.districtGovernmentToken
        case .department(let code): code
        }
    }
}

/// One numbered filing condition (立案条件) of a sub-class, with its handling time limit per area
/// class (处置时限) and its closing condition (结案条件) (`filing-conditions.csv`).
///
/// A sub-class has one or more conditions; the time limit is a function of (sub-class, condition,
/// area class). Illegal construction, for instance, has three conditions for three stages (stop
/// work, penalise, demolish) with three different limits.
public struct FilingCondition: Hashable, Sendable, Codable {
    /// Condition id, `<class code>-<nn>`, unique within its kind, e.g. `0101-01`.
    public var id: String
    /// Component (部件) or event (事件).
    public var kind: ClassKind
    /// The sub-class (level 2) or third-level class the condition belongs to.
    public var classCode: String
    /// 立案条件: when a report qualifies for filing.
    public var description: String
    /// Time limit in area class A (core).
    public var limitA: TimeLimit
    /// Time limit in area class B.
    public var limitB: TimeLimit
    /// Time limit in area class C.
    public var limitC: TimeLimit
    /// 结案条件: what must be true to close the case.
    public var closingCondition: String
    /// Who the condition names as responsible.
    public var responsibleHint: ResponsibleHint
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(id: String, kind: ClassKind, classCode: String, description: String, limitA: TimeLimit, limitB: TimeLimit,
                limitC: TimeLimit, closingCondition: String, responsibleHint: ResponsibleHint, source: ReferenceSource) {
        self.id = id
        self.kind = kind
        self.classCode = classCode
        self.description = description
        self.limitA = limitA
        self.limitB = limitB
        self.limitC = limitC
        self.closingCondition = closingCondition
        self.responsibleHint = responsibleHint
        self.source = source
    }

    /// The class the condition belongs to.
    public var classKey: ClassKey { ClassKey(kind, classCode) }

    /// The handling time limit in the given area class.
    public func limit(for area: AreaClass) -> TimeLimit {
        switch area {
        case .a: limitA
        case .b: limitB
        case .c: limitC
        }
    }
}

/// A stage of the case loop with its own clock (besides handling, whose limit comes from the
/// filing condition). Raw values match `StageClock.Stage` of the workflow, so
/// `TimedStage(rawValue: clock.stage.rawValue)` finds the limit of every stage except `handle`.
public enum TimedStage: String, Sendable, Codable, CaseIterable {
    /// 受理
    case accept
    /// 核实
    case verify
    /// 立案
    case file
    /// 派遣
    case dispatch
    /// 发核查: the acceptor sends the check task after the department's feedback.
    case sendCheck = "send_check"
    /// 核查
    case check
    /// 结案
    case close
    /// 自处置审核: the centre reviews a self-handled report.
    case review
}

/// The time limit of one stage (`stage-limits.csv`), e.g. verify within 1 working hour.
public struct StageLimit: Hashable, Sendable, Codable {
    /// The stage whose clock this limits.
    public var stage: TimedStage
    /// The time limit.
    public var limit: TimeLimit
    public var description: String
    /// Where the row comes from (`source` column).
    public var source: ReferenceSource

    /// Creates a value as given; validation is the loader's job.
    public init(stage: TimedStage, limit: TimeLimit, description: String, source: ReferenceSource) {
        self.stage = stage
        self.limit = limit
        self.description = description
        self.source = source
    }
}
