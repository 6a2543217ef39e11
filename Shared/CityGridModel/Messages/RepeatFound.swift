import Foundation

// Repeats found after a case was located (issue 14, point 6). Intake owns the decision that a
// report repeats an earlier case; supervision decides what that does to the later case's
// lifecycle (CaseWorkflow's `link_duplicate`, or only an annotation), and assessment counts the
// repeat complaints.

/// Why intake holds a report for a repeat of an earlier case.
public enum RepeatBasis: String, Codable, Sendable, CaseIterable {
    /// An address-only report, once located, lies within the duplicate radius of an open case of
    /// the same class reported within the duplicate window (the rule a report with coordinates
    /// meets at submission).
    case samePlace = "same_place"
    /// 重复来电: the same caller (the same normalised phone number, compared by a keyed hash) about
    /// the same place (the same unit grid, or within the duplicate radius) and the same class,
    /// within the repeat-call window.
    case sameCaller = "same_caller"
}

/// What a repeat found after locating means for the later case.
public enum RepeatRelation: String, Codable, Sendable, CaseIterable {
    /// The earlier case is still open: the later one is the same problem and should be handled as
    /// part of it (supervision ends it with `link_duplicate` while it is not yet filed; after
    /// that it only annotates it).
    case duplicate
    /// 重复投诉: the earlier case has ended and the same caller complains again about the same
    /// place. The later case is handled on its own; the complaint counts against the department
    /// that handled the earlier case.
    case repeatComplaint = "repeat_complaint"
}

/// A case named by id and by the number people quote.
public struct CaseReference: Codable, Sendable, Hashable {
    public var caseId: UUID
    public var caseNumber: String

    public init(caseId: UUID, caseNumber: String) {
        self.caseId = caseId
        self.caseNumber = caseNumber
    }
}

/// `intake.case.repeat-found` — after grid-routing located a case (`CaseLocated`), intake found
/// that its report repeats an earlier case (``repeatOf``): the same problem at the same place
/// while that case is open (``RepeatRelation/duplicate``), or the same caller again about a case
/// that has ended (``RepeatRelation/repeatComplaint``). Subject: the later case.
///
/// Intake decides once per report, when it is first located. The caller's phone number and its
/// hash never travel: only the basis (``RepeatBasis/sameCaller``) does.
public struct RepeatFound: DomainEvent, Equatable {
    public static let eventType = "citygrid.case.repeat-found.v1"
    /// The routing key of every message of this type; consumers bind to it.
    public static let routingKey = "intake.case.repeat-found"
    public var routingKey: String { Self.routingKey }

    /// The later case: the report intake holds for a repeat.
    public var caseId: UUID
    public var caseNumber: String
    /// The earlier case it repeats (a case of its own, never a report linked to one).
    public var repeatOf: CaseReference
    public var relation: RepeatRelation
    public var basis: RepeatBasis
    /// The later report's channel, class and time, as intake holds them.
    public var channel: ReportChannel
    public var kind: ClassKind
    public var classCode: String
    public var reportedAt: Date
    /// Metres between the two places, when both have a point.
    public var distanceMeters: Double?
    /// Both were located in the same unit grid.
    public var sameGrid: Bool
    /// When intake decided.
    public var foundAt: Date

    public init(caseId: UUID, caseNumber: String, repeatOf: CaseReference, relation: RepeatRelation, basis: RepeatBasis,
                channel: ReportChannel, kind: ClassKind, classCode: String, reportedAt: Date, distanceMeters: Double?, sameGrid: Bool,
                foundAt: Date) {
        self.caseId = caseId
        self.caseNumber = caseNumber
        self.repeatOf = repeatOf
        self.relation = relation
        self.basis = basis
        self.channel = channel
        self.kind = kind
        self.classCode = classCode
        self.reportedAt = reportedAt
        self.distanceMeters = distanceMeters
        self.sameGrid = sameGrid
        self.foundAt = foundAt
    }
}
