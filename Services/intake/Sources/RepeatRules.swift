import CityGridModel
import CityGridPlatform
import Foundation

/// When a located report repeats an earlier case (pure): the duplicate rule for an address-only
/// report once it has a point, and the repeat-call rule (重复来电) for a report whose caller left
/// a phone number. `ReportStore` applies the duplicate rule at submission to reports with
/// coordinates; these rules run when grid-routing has located a case (`LocatedReports`).
public struct RepeatRules: Sendable, Equatable {
    /// Radius and window of a duplicate (`CITYGRID_DUPLICATE_RADIUS_M`, `…_WINDOW_H`).
    public var duplicates: DuplicatePolicy
    /// How far back a call counts as a repeat of an earlier one (`CITYGRID_REPEAT_CALL_WINDOW_D`);
    /// 0 turns repeat calls off.
    public var callWindow: TimeInterval

    public init(duplicates: DuplicatePolicy, callWindow: TimeInterval = 30 * 86_400) {
        self.duplicates = duplicates
        self.callWindow = callWindow
    }

    /// Reads `CITYGRID_REPEAT_CALL_WINDOW_D` (days, 0–365, default 30); a value that is not a
    /// number in range stops the service.
    public static func fromEnvironment(duplicates: DuplicatePolicy,
                                       _ values: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> RepeatRules {
        let days = try EnvironmentReader(values).double("CITYGRID_REPEAT_CALL_WINDOW_D", default: 30, range: 0...365)
        return RepeatRules(duplicates: duplicates, callWindow: days * 86_400)
    }

    /// Where a report is: its point (its own coordinates or where grid-routing located it) and
    /// its unit grid, when known.
    public struct Place: Sendable, Equatable {
        public var point: GeoPoint?
        public var gridCode: String?
        public init(point: GeoPoint?, gridCode: String?) {
            self.point = point
            self.gridCode = gridCode
        }
    }

    /// An earlier report by the same caller, resolved to its case: its own, or the case it was
    /// linked to as a repeat.
    public struct EarlierCall: Sendable, Equatable {
        public var reportedAt: Date
        public var kind: ClassKind
        public var classCode: String
        public var place: Place
        public var repeatOf: CaseReference
        /// The case is still open (intake's status `open`); otherwise it has ended.
        public var caseOpen: Bool
        public init(reportedAt: Date, kind: ClassKind, classCode: String, place: Place, repeatOf: CaseReference, caseOpen: Bool) {
            self.reportedAt = reportedAt
            self.kind = kind
            self.classCode = classCode
            self.place = place
            self.repeatOf = repeatOf
            self.caseOpen = caseOpen
        }
    }

    /// What intake decides about a located report.
    public struct Decision: Sendable, Equatable {
        public var repeatOf: CaseReference
        public var relation: RepeatRelation
        public var basis: RepeatBasis
        public var distanceMeters: Double?
        public var sameGrid: Bool
        public init(repeatOf: CaseReference, relation: RepeatRelation, basis: RepeatBasis, distanceMeters: Double?, sameGrid: Bool) {
            self.repeatOf = repeatOf
            self.relation = relation
            self.basis = basis
            self.distanceMeters = distanceMeters
            self.sameGrid = sameGrid
        }
    }

    /// An address-only report, located at `point` in `gridCode`: the open case of the same class
    /// it duplicates (the duplicate rule, nearest first), if any. `candidates` are the open cases
    /// of the report's kind and class with a point; `grids` their unit grids, where known.
    public func placeDuplicate(point: GeoPoint, gridCode: String?, at time: Date, among candidates: [DuplicatePolicy.Candidate],
                               grids: [UUID: String] = [:]) -> Decision? {
        guard duplicates.radiusMeters > 0, let (match, distance) = duplicates.match(point: point, at: time, among: candidates) else { return nil }
        let sameGrid = gridCode != nil && grids[match.caseId] == gridCode
        return Decision(repeatOf: CaseReference(caseId: match.caseId, caseNumber: match.caseNumber), relation: .duplicate,
                        basis: .samePlace, distanceMeters: Self.rounded(distance), sameGrid: sameGrid)
    }

    /// Whether two places are the same place: the same unit grid, or within the duplicate radius.
    /// Returns the distance (when both have a point) and whether the grids are the same, or `nil`
    /// when they are not the same place.
    public func samePlace(_ a: Place, _ b: Place) -> (distance: Double?, sameGrid: Bool)? {
        let distance = a.point.flatMap { p in b.point.map { GeoDistance.meters(p, $0) } }
        let sameGrid = a.gridCode != nil && a.gridCode == b.gridCode
        let near = distance.map { duplicates.radiusMeters > 0 && $0 <= duplicates.radiusMeters } ?? false
        return sameGrid || near ? (distance, sameGrid) : nil
    }

    /// 重复来电: a report of `kind`/`classCode` made at `time` at `place` by a caller whose
    /// earlier reports are `earlier`. It repeats the earlier case of the same kind and class at
    /// the same place (``samePlace(_:_:)``), reported no later than it and at most ``callWindow``
    /// before it. A case still open wins (the most recent one): the report is a duplicate of it.
    /// Otherwise the most recent ended case: the report is a repeat complaint about it. A
    /// different class at the same place is another matter, not a repeat.
    public func repeatCall(kind: ClassKind, classCode: String, at time: Date, place: Place, earlier: [EarlierCall]) -> Decision? {
        guard callWindow > 0 else { return nil }
        let matches = earlier.compactMap { call -> (EarlierCall, Double?, Bool)? in
            guard call.kind == kind, call.classCode == classCode, call.reportedAt <= time,
                  time.timeIntervalSince(call.reportedAt) <= callWindow,
                  let (distance, sameGrid) = samePlace(place, call.place) else { return nil }
            return (call, distance, sameGrid)
        }
        let open = matches.filter { $0.0.caseOpen }
        guard let (call, distance, sameGrid) = (open.isEmpty ? matches : open).max(by: { $0.0.reportedAt < $1.0.reportedAt }) else { return nil }
        return Decision(repeatOf: call.repeatOf, relation: call.caseOpen ? .duplicate : .repeatComplaint, basis: .sameCaller,
                        distanceMeters: distance.map(Self.rounded), sameGrid: sameGrid)
    }

    /// Metres to one decimal, as `DuplicateLinked` carries them.
    static func rounded(_ metres: Double) -> Double { (metres * 10).rounded() / 10 }
}
