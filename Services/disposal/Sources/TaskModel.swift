import CityGridModel
import Foundation

/// Where a department's task stands in disposal's inbox is ``TaskState`` (CityGridModel), the
/// state the department rules (``DepartmentTaskRules``) read, shared with supervision.
///
/// The one request a department may have open at a time; the centre answers it with a notice.
/// Requests are not states (as in `CaseWorkflow`): while one is pending the department still
/// owns the task and its clock keeps running.
public typealias PendingRequestKind = PendingRequest.Kind

/// The state-relevant part of a task: what ``TaskStateMachine`` reads and writes.
public struct TaskStatus: Equatable, Sendable {
    public var state: TaskState
    public var pendingRequest: PendingRequestKind?
    /// Current handling deadline (处置时限).
    public var deadline: Date
    /// What ``deadline`` was counted on, as the message that set it said; `nil` when that message
    /// carried none (from a sender that predates bases).
    public var deadlineBasis: DeadlineBasis?
    public var acceptedAt: Date?
    public var completedAt: Date?

    public init(state: TaskState, pendingRequest: PendingRequestKind? = nil, deadline: Date, deadlineBasis: DeadlineBasis? = nil,
                acceptedAt: Date? = nil, completedAt: Date? = nil) {
        self.state = state
        self.pendingRequest = pendingRequest
        self.deadline = deadline
        self.deadlineBasis = deadlineBasis
        self.acceptedAt = acceptedAt
        self.completedAt = completedAt
    }

    /// What the department rules read.
    public var departmentTask: DepartmentTask {
        DepartmentTask(state: state, pendingRequest: pendingRequest, deadline: deadline)
    }
}

/// A field-level problem with a department's input (→ HTTP 422 `details`, or the dead-letter reason).
public struct FieldIssue: Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var problem: String
    public init(_ field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }
    public var description: String { "\(field): \(problem)" }
}

/// Every field problem of one input.
public struct InputProblems: Error, Equatable, Sendable {
    public var issues: [FieldIssue]
}

/// A validated department operation (处置 / 反馈). There is no close or void: a department can
/// never end a case.
public enum DepartmentOperation: Equatable, Sendable {
    case accept(note: String?)
    case progress(note: String, photos: [String])
    case complete(result: String, photos: [String])
    case requestReturn(reason: String)
    case requestExtension(deadline: Date, reason: String)
    case requestSuspension(reason: String)

    public var kind: TaskCommandKind {
        switch self {
        case .accept: return .accept
        case .progress: return .progress
        case .complete: return .complete
        case .requestReturn: return .return
        case .requestExtension: return .extension
        case .requestSuspension: return .suspension
        }
    }

    /// The `TaskUpdated.action` the operation is published as.
    public var action: TaskAction {
        switch self {
        case .accept: return .accepted
        case .progress: return .progressNoted
        case .complete: return .completed
        case .requestReturn: return .returnRequested
        case .requestExtension: return .extensionRequested
        case .requestSuspension: return .suspensionRequested
        }
    }
}

/// The loose input of an operation (HTTP body or AMQP command), before validation.
public struct OperationInput: Codable, Sendable, Equatable {
    public var note: String?
    public var result: String?
    public var reason: String?
    public var requestedDeadline: Date?
    public var photos: [String]?

    public init(note: String? = nil, result: String? = nil, reason: String? = nil, requestedDeadline: Date? = nil, photos: [String]? = nil) {
        self.note = note
        self.result = result
        self.reason = reason
        self.requestedDeadline = requestedDeadline
        self.photos = photos
    }

    static let maxText = 4_000
    static let maxPhotos = 30

    /// Checks every field the command needs and reports all problems at once.
    public func operation(_ kind: TaskCommandKind) -> Result<DepartmentOperation, InputProblems> {
        var issues: [FieldIssue] = []
        func text(_ value: String?, _ field: String, required: Bool) -> String? {
            let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if trimmed.isEmpty {
                if required { issues.append(FieldIssue(field, "is required")) }
                return nil
            }
            if trimmed.count > Self.maxText { issues.append(FieldIssue(field, "must be at most \(Self.maxText) characters")) }
            return trimmed
        }
        func photoList() -> [String] {
            let list = photos ?? []
            if list.count > Self.maxPhotos { issues.append(FieldIssue("photos", "at most \(Self.maxPhotos) photos")) }
            for (i, url) in list.enumerated() where !Self.isPhotoURL(url) {
                issues.append(FieldIssue("photos[\(i)]", "must be an absolute http(s) URL"))
            }
            return list
        }
        let operation: DepartmentOperation?
        switch kind {
        case .accept:
            operation = .accept(note: text(note, "note", required: false))
        case .progress:
            let n = text(note, "note", required: true)
            let p = photoList()
            operation = n.map { .progress(note: $0, photos: p) }
        case .complete:
            let r = text(result, "result", required: true)
            let p = photoList()
            operation = r.map { .complete(result: $0, photos: p) }
        case .return:
            operation = text(reason, "reason", required: true).map { .requestReturn(reason: $0) }
        case .extension:
            let r = text(reason, "reason", required: true)
            if requestedDeadline == nil { issues.append(FieldIssue("requestedDeadline", "is required (RFC 3339 date-time)")) }
            if let r, let d = requestedDeadline { operation = .requestExtension(deadline: d, reason: r) } else { operation = nil }
        case .suspension:
            operation = text(reason, "reason", required: true).map { .requestSuspension(reason: $0) }
        }
        if let operation, issues.isEmpty { return .success(operation) }
        return .failure(InputProblems(issues: issues))
    }

    static func isPhotoURL(_ text: String) -> Bool {
        guard text.count <= 2_000, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host?.isEmpty == false else { return false }
        return true
    }
}
