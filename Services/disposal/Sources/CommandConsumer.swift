import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// `disposal.commands`: departments' systems act on their tasks over AMQP by publishing
/// `citygrid.task.command.v1` envelopes to `citygrid.dept-commands` with key `<dept>.<command>`.
enum CommandConsumer {
    static func definition() -> ConsumerDefinition {
        ConsumerDefinition(
            queue: "disposal.commands",
            bindings: [.init(exchange: MessagingNames.departmentCommandsExchange, routingKey: TaskCommand.bindingPatternAll)],
            handlers: [TaskCommand.eventType: { message, context in try handle(message, context: context) }])
    }

    /// Splits `<deptCode>.<command>`; anything else is poison.
    static func parseRoutingKey(_ key: String) -> (department: String, command: TaskCommandKind)? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let command = TaskCommandKind(rawValue: parts[1]) else { return nil }
        return (parts[0], command)
    }

    static func handle(_ message: InboundMessage, context: HandlerContext) throws {
        guard let (department, keyCommand) = parseRoutingKey(message.routingKey) else {
            throw HandlerError.invalid("routing key '\(message.routingKey)' is not <departmentCode>.<accept|progress|complete|return|extension|suspension>")
        }
        let command = try message.payload(TaskCommand.self)
        guard command.command == keyCommand else {
            throw HandlerError.invalid("payload command '\(command.command.rawValue)' does not match routing key command '\(keyCommand.rawValue)'")
        }
        let actorId = command.actorId.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !actorId.isEmpty else { throw HandlerError.invalid("invalid command: actorId: is required") }
        let input = OperationInput(note: command.note, result: command.result, reason: command.reason,
                                   requestedDeadline: command.requestedDeadline, photos: command.photos)
        let operation: DepartmentOperation
        switch input.operation(command.command) {
        case .success(let op): operation = op
        case .failure(let problems): throw HandlerError.invalid(TaskOperationError.invalid(problems.issues).description)
        }
        do {
            _ = try TaskOperations.perform(operation, on: command.dispatchId,
                                           by: DepartmentActor(id: actorId, departmentCode: department, channel: "amqp"),
                                           connection: context.connection, outbox: context.outbox, at: context.now)
        } catch let error as TaskOperationError {
            if case .notFound = error, message.subject != nil {
                // The dispatch may still be on its way to us: wait for the case's next message.
                throw HandlerError.notYet(error.description)
            }
            throw HandlerError.invalid(error.description)
        }
    }
}
