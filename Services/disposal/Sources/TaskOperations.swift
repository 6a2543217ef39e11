import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// Why a department operation was not applied.
public enum TaskOperationError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(UUID)
    /// The task belongs to another department (HTTP answers 404 so nothing is revealed).
    case wrongDepartment(task: String, actor: String)
    case invalid([FieldIssue])
    case illegal(String)

    public var description: String {
        switch self {
        case .notFound(let id): return "unknown dispatch \(id.uuidString.lowercased())"
        case .wrongDepartment(let task, let actor): return "wrong department: the task belongs to \(task), not \(actor)"
        case .invalid(let issues): return "invalid command: " + issues.map(\.description).joined(separator: "; ")
        case .illegal(let message): return "illegal_transition: \(message)"
        }
    }
}

/// Who performs an operation and through which channel (`http` or `amqp`).
public struct DepartmentActor: Sendable, Equatable {
    public var id: String
    public var departmentCode: String
    public var channel: String
}

/// Applies a department operation: lock the task, decide with ``TaskStateMachine``, store the
/// new state, log it and put a `TaskUpdated` in the outbox — all in the caller's transaction.
enum TaskOperations {
    static func perform(_ operation: DepartmentOperation, on dispatchId: UUID, by actor: DepartmentActor,
                        connection: PGConnection, outbox: OutboxWriter, at now: Date) throws -> TaskRecord {
        guard let task = try TaskStore.find(connection, dispatchId: dispatchId, forUpdate: true) else {
            throw TaskOperationError.notFound(dispatchId)
        }
        guard task.departmentCode == actor.departmentCode else {
            throw TaskOperationError.wrongDepartment(task: task.departmentCode, actor: actor.departmentCode)
        }
        let next: TaskStatus
        switch TaskStateMachine.decide(operation, on: task.status, at: now) {
        case .applied(let status): next = status
        case .invalid(let issues): throw TaskOperationError.invalid(issues)
        case .illegal(let message): throw TaskOperationError.illegal(message)
        }
        var update = TaskUpdated(updateId: UUID(), dispatchId: task.dispatchId, caseId: task.caseId, caseNumber: task.caseNumber,
                                 departmentCode: task.departmentCode, action: operation.action, actorId: actor.id, at: now)
        var result: String?
        var resultPhotos: [String]?
        switch operation {
        case .accept(let note): update.note = note
        // A department's photos are typed by the operation they came with.
        case .progress(let note, let photos):
            update.note = note; update.photos = photos.map { Photo(url: $0, purpose: .progress) }
        case .complete(let text, let photos):
            update.result = text; update.photos = photos.map { Photo(url: $0, purpose: .completion) }; result = text; resultPhotos = photos
        case .requestReturn(let reason), .requestSuspension(let reason): update.reason = reason
        case .requestExtension(let deadline, let reason): update.reason = reason; update.requestedDeadline = deadline
        }
        try TaskStore.save(connection, dispatchId: task.dispatchId, old: task.status, new: next, pendingReason: update.reason,
                           pendingDeadline: update.requestedDeadline, at: now, result: result, resultPhotos: resultPhotos)
        try TaskStore.append(connection, dispatchId: task.dispatchId, caseId: task.caseId, TaskEventRecord(
            eventId: update.updateId, kind: operation.action.rawValue, actorId: actor.id, channel: actor.channel, at: now,
            note: update.note, result: update.result, reason: update.reason, requestedDeadline: update.requestedDeadline,
            photos: update.photos.map(\.url)))
        try outbox.publish(update, subject: task.caseId.uuidString.lowercased(), at: now)
        guard let stored = try TaskStore.find(connection, dispatchId: task.dispatchId) else { throw TaskOperationError.notFound(dispatchId) }
        return stored
    }
}
