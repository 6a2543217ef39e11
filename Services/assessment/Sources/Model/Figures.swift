/// Rounds a shown rate to 4 decimals so JSON and CSV show stable figures.
@inline(__always) func r4(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }

/// `numerator / denominator` unrounded, nil when the denominator is 0 (no basis for a rate).
/// Scores are computed from these, never from the rounded rates shown.
@inline(__always) func fraction(_ numerator: Int, _ denominator: Int) -> Double? {
    denominator == 0 ? nil : Double(numerator) / Double(denominator)
}

/// The rate as shown: ``fraction(_:_:)`` rounded to 4 decimals.
@inline(__always) func rate(_ numerator: Int, _ denominator: Int) -> Double? {
    fraction(numerator, denominator).map(r4)
}

/// How every 0–100 score is rounded: once, at the end, half-up to one decimal.
public enum ScoreRounding {
    /// Half-up (away from zero) to one decimal: 76.25 → 76.3, 89.94 → 89.9, 89.95 → 90.0.
    ///
    /// A sum of exact rates times weights can land a hair off a true `.x5` in binary (89.95 as
    /// 89.94999999999999); snapping to 9 decimals first keeps that noise from deciding the rounding.
    public static func round(_ raw: Double) -> Double {
        let snapped = (raw * 1e9).rounded() / 1e9
        return (snapped * 10).rounded(.toNearestOrAwayFromZero) / 10
    }
}

/// A weighted 0–100 score from exact rates (each in [0,1] times its weight), normalised by the sum
/// of the weights and rounded once (``ScoreRounding``). A rate with an empty denominator scores its
/// full weight (nothing could go wrong).
func score(_ terms: [(Double?, Double)]) -> Double {
    let total = terms.map(\.1).reduce(0, +)
    guard total > 0 else { return 0 }
    let points = terms.reduce(0.0) { $0 + min(max($1.0 ?? 1, 0), 1) * $1.1 }
    return ScoreRounding.round(points * 100 / total)
}

/// 专业部门 figures for one period.
public struct DepartmentFigures: Codable, Sendable, Hashable {
    public var code: String
    /// 应处置数 (= 应结案数 for a department): attributed, filed, dispatched to it, not suspended.
    public var due = 0
    /// 处置数
    public var handled = 0
    /// 按期处置数
    public var handledOnTime = 0
    /// 超期数: handled late, or still open past the deadline.
    public var overdue = 0
    /// 超期待处置数: not handled and the deadline passed.
    public var overduePending = 0
    /// 返工数 / 回退数 / 延期数
    public var reworks = 0
    public var returns = 0
    public var extensions = 0
    /// 挂账: attributed cases left out of the denominators.
    public var suspended = 0
    public var disposalRate: Double?
    public var onTimeRate: Double?
    public var reworkRate: Double?
    public var returnRate: Double?
    public var extensionRate: Double?
    public var overduePendingRate: Double?
    public var score: Double?
    public var grade: String?
    /// 回访数, by verdict (满意 / 基本满意 / 不满意): return visits recorded in the period on cases
    /// this department handled.
    public var visits = 0
    public var satisfied = 0
    public var basicallySatisfied = 0
    public var dissatisfied = 0
    /// 满意率 = (满意 + 基本满意) / 回访数; nil without visits.
    public var satisfactionRate: Double?
    /// 重办数: reopenings after a return visit in the period.
    public var reopenings = 0
    /// 重复投诉数: repeat complaints made in the period about cases this department handled.
    public var repeatComplaints = 0
    public init(code: String) { self.code = code }
}

/// 区域 figures for one area (district, street, community or grid).
public struct AreaFigures: Codable, Sendable, Hashable {
    public var level: AreaLevel
    public var code: String
    /// 立案数 net of 挂账.
    public var filed = 0
    public var suspended = 0
    /// 结案数 / 按期结案数 (filed cases only).
    public var closed = 0
    public var closedOnTime = 0
    /// 监督举报核实数: verified public reports among the filed cases.
    public var verifiedPublicReports = 0
    /// Complaints (cases + duplicate reports linked to them).
    public var complaints = 0
    /// Locations (grid × class) with more than the threshold of complaints.
    public var repeatLocations = 0
    public var closeRate: Double?
    public var onTimeCloseRate: Double?
    public var publicReportRate: Double?
    /// 立案数分值: 100 × 立案数 / the largest 立案数 of the same level.
    public var filedScore: Double?
    public var score: Double?
    public var grade: String?
    /// 回访数, by verdict (满意 / 基本满意 / 不满意): return visits recorded in the period on the area's
    /// cases.
    public var visits = 0
    public var satisfied = 0
    public var basicallySatisfied = 0
    public var dissatisfied = 0
    /// 满意率 = (满意 + 基本满意) / 回访数; nil without visits.
    public var satisfactionRate: Double?
    /// 重办数: reopenings after a return visit in the period.
    public var reopenings = 0
    /// 重复投诉数: repeat complaints made in the period about the area's cases.
    public var repeatComplaints = 0
    public init(level: AreaLevel, code: String) {
        self.level = level
        self.code = code
    }
}

/// The posts of §5.1.
public enum Post: String, Codable, Sendable, CaseIterable { case supervisor, acceptor, dispatcher }

/// 岗位 figures for one person. Post actions count in the period in which they were done.
public struct PostFigures: Codable, Sendable, Hashable {
    public var post: Post
    public var actorId: String
    // supervisor
    public var reports = 0
    public var validReports = 0
    /// Verifications the supervisor did in the period (whoever's task they were).
    public var verifications = 0
    /// 应核实数: verification tasks given to the supervisor that were answered or fell due in the
    /// period (``FieldTaskJudgement``); 按时核实数: of those, answered within their due time.
    public var verificationsAssigned = 0
    public var verificationsOnTime = 0
    /// Checks the supervisor did in the period.
    public var checks = 0
    /// 应核查数 / 按时核查数, as for verifications.
    public var checksAssigned = 0
    public var checksOnTime = 0
    /// 漏报数: verified public reports among the period's filed cases of grids the supervisor was
    /// responsible for when each was reported; 立案数 of those grids' cases.
    public var missedReports = 0
    public var responsibleFiled = 0
    // acceptor
    public var accepted = 0
    public var acceptedOnTime = 0
    public var verifyDispatches = 0
    public var verifyDispatchesOnTime = 0
    public var checkDispatches = 0
    public var checkDispatchesOnTime = 0
    // dispatcher
    public var dispatches = 0
    public var dispatchesOnTime = 0
    public var returnedDispatches = 0
    // rates
    public var validReportRate: Double?
    public var missedReportRate: Double?
    public var onTimeVerifyRate: Double?
    public var onTimeCheckRate: Double?
    public var onTimeAcceptRate: Double?
    public var verifyDispatchRate: Double?
    public var checkDispatchRate: Double?
    public var onTimeDispatchRate: Double?
    public var accurateDispatchRate: Double?
    public var score: Double?
    public var grade: String?
    public init(post: Post, actorId: String) {
        self.post = post
        self.actorId = actorId
    }
}

/// 完好率 of one component class in one area.
public struct FacilityFigures: Codable, Sendable, Hashable {
    public var classCode: String
    public var area: String
    public var registered: Int
    /// Distinct components with a case open during the period (or not intact in the reference data).
    public var defective: Int
    public var intactRate: Double?
}

/// One row of a ranking.
public struct RankingRow: Codable, Sendable, Hashable {
    public var code: String
    public var score: Double?
    public var grade: String?
    public var rank: Int?
    public var previousScore: Double?
    public var previousRank: Int?
    /// previousRank − rank: positive means it moved up.
    public var rankDelta: Int?
    public var scoreDelta: Double?
}
