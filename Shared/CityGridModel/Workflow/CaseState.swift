import Foundation

/// Where a case stands in its lifecycle (domain §1.4).
///
/// Raw values are stable snake_case strings: they are stored in the `supervision` schema, sent in
/// messages and counted by `assessment`, so a raw value is never renamed, only added.
///
/// Extension (延期), suspension (挂账) and return (回退) *requests* are not states: a case whose
/// department asked for one is still `inHandling`, its clock still runs, and the request sits in
/// ``CaseRecord/pendingRequest`` until the centre decides. See `docs/case-lifecycle.md`.
public enum CaseState: String, Codable, Sendable, Hashable, CaseIterable {
    /// 上报: recorded by intake, not yet located on a grid / queued for an acceptor.
    case reported
    /// 待受理: in the acceptor's queue.
    case awaitingAccept = "awaiting_accept"
    /// 不予受理 (end): the acceptor refused it (out of scope, not a city-management matter).
    case notAccepted = "not_accepted"
    /// 待核实: a public report waits for a supervisor's on-site verification.
    case awaitingVerify = "awaiting_verify"
    /// 待立案: accepted (and verified if needed); the shift leader decides on filing.
    case awaitingFile = "awaiting_file"
    /// 不予立案 (end): no filing condition is met.
    case notFiled = "not_filed"
    /// 待派遣: filed (or returned by a department); the command centre picks a department.
    case awaitingDispatch = "awaiting_dispatch"
    /// 人工派遣: automatic routing could not choose a department; a dispatcher must.
    case manualDispatch = "manual_dispatch"
    /// 处置中: a department holds the task and the handling clock runs.
    case inHandling = "in_handling"
    /// 挂账: approved as not solvable within the limit; out of the KPI denominators, no clock.
    case suspended
    /// 待核查: the department reported completion; a supervisor must check on site.
    case awaitingCheck = "awaiting_check"
    /// 待结案: the check passed; the shift leader closes.
    case awaitingClose = "awaiting_close"
    /// 结案 (end). A return visit (回访) may reopen it (重办) back to `in_handling`.
    case closed
    /// 作废 (end): false, duplicate or invalid.
    case voided
    /// 自处置待审核: a supervisor fixed it on the spot; the centre approves (closed) or rejects (voided).
    case selfHandledPending = "self_handled_pending"

    /// The case has ended: no clock runs and only the commands whose source states name a
    /// terminal state apply (on `closed`: a return visit, and a reopening after one).
    public var isTerminal: Bool {
        switch self {
        case .notAccepted, .notFiled, .closed, .voided: true
        default: false
        }
    }

    /// The Chinese term used by city staff, for messages and documents.
    public var label: String {
        switch self {
        case .reported: "上报"
        case .awaitingAccept: "待受理"
        case .notAccepted: "不予受理"
        case .awaitingVerify: "待核实"
        case .awaitingFile: "待立案"
        case .notFiled: "不予立案"
        case .awaitingDispatch: "待派遣"
        case .manualDispatch: "人工派遣"
        case .inHandling: "处置中"
        case .suspended: "挂账"
        case .awaitingCheck: "待核查"
        case .awaitingClose: "待结案"
        case .closed: "结案"
        case .voided: "作废"
        case .selfHandledPending: "自处置待审核"
        }
    }

    /// Position on the main path, used to tell an *early* command (the case has not got there
    /// yet: retry later) from a *late* one. Loops (rework, re-dispatch) only ever go back, so a
    /// lower step really means "not there yet". `nil` for terminal states and for the
    /// self-handled side path, which never joins the main path.
    var step: Int? {
        switch self {
        case .reported: 0
        case .awaitingAccept: 1
        case .awaitingVerify: 2
        case .awaitingFile: 3
        case .awaitingDispatch, .manualDispatch: 4
        case .inHandling, .suspended: 5
        case .awaitingCheck: 6
        case .awaitingClose: 7
        case .notAccepted, .notFiled, .closed, .voided, .selfHandledPending: nil
        }
    }
}
