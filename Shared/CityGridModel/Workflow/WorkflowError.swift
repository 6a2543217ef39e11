import Foundation

/// Why a command was not applied. `code` is stable and machine-readable (HTTP problem bodies,
/// dead-letter headers); `message` is for people and names the state and the action.
public struct WorkflowError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    /// A stable error code, encoded as its bare string. A struct rather than an enum so codes can
    /// be added without breaking clients that switch over them.
    public struct Code: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The command never applies in the case's current state (retrying will not help).
        public static let illegalTransition = Code(rawValue: "illegal_transition")
        /// The case has not reached the state the command needs yet; retry later.
        public static let notYet = Code(rawValue: "not_yet")
        /// The case is closed, voided, not accepted or not filed.
        public static let caseEnded = Code(rawValue: "case_ended")
        /// The actor's role may not trigger this action.
        public static let forbiddenForRole = Code(rawValue: "forbidden_for_role")
        /// A department acting on a case that is not (or no longer) with it.
        public static let wrongDepartment = Code(rawValue: "wrong_department")
        /// A department actor without a department code.
        public static let invalidActor = Code(rawValue: "invalid_actor")
        /// A required reason, result or note is empty.
        public static let missingReason = Code(rawValue: "missing_reason")
        /// A self-handled report without before and after photos.
        public static let missingEvidence = Code(rawValue: "missing_evidence")
        /// Filing without a filing condition, or dispatching without a department.
        public static let missingField = Code(rawValue: "missing_field")
        /// A deadline not after the transition time, or an extension not beyond the current deadline.
        public static let invalidDeadline = Code(rawValue: "invalid_deadline")
        /// Accepting a report straight to filing although its channel requires verification.
        public static let verificationRequired = Code(rawValue: "verification_required")
        /// Dispatching to a department that already returned the case.
        public static let returnedByDepartment = Code(rawValue: "returned_by_department")
        /// A different request is already waiting for a decision.
        public static let requestPending = Code(rawValue: "request_pending")
        /// Approving or refusing a request that was never made (or was already decided).
        public static let noPendingRequest = Code(rawValue: "no_pending_request")
        /// A warning/overdue mark for a clock that is not the one running (a stale timer).
        public static let clockNotRunning = Code(rawValue: "clock_not_running")
        /// Voiding a case as a duplicate of itself.
        public static let duplicateOfSelf = Code(rawValue: "duplicate_of_self")
        /// Linking a case as a duplicate of a case that has ended.
        public static let duplicateOfEnded = Code(rawValue: "duplicate_of_ended")
    }

    public var code: Code
    public var message: String
    /// The action that was refused.
    public var action: CaseAction
    /// The case's state at the time (`nil` when creating a case).
    public var state: CaseState?

    /// - Parameters:
    ///   - code: Stable machine-readable code.
    ///   - action: The refused action.
    ///   - state: The case's state at the time.
    ///   - detail: What was wrong; the message prefixes it with the action and state.
    public init(_ code: Code, action: CaseAction, state: CaseState?, _ detail: String) {
        self.code = code
        self.action = action
        self.state = state
        let place = state.map { "in state \($0.rawValue) (\($0.label))" } ?? "for a new case"
        self.message = "\(action.rawValue) \(place): \(detail)"
    }

    public var description: String { "[\(code)] \(message)" }
}
