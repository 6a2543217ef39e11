import CityGridModel
import CityGridPlatform
import Foundation

/// `intake.case-status`: follows supervision's timeline so Open311 clients see when a case
/// ends (`closed`) and when it last changed (`updated_datetime`). Intake stays the owner of its
/// rows; it only copies the outcome.
enum CaseStatusFollower {
    static func consumer() -> ConsumerDefinition {
        ConsumerDefinition(
            queue: "intake.case-status",
            bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: CaseTransitioned.routingKey)],
            handlers: [
                CaseTransitioned.eventType: { message, context in
                    let event = try message.payload(CaseTransitioned.self)
                    let entry = event.entry
                    let updated = try ReportStore.followStatus(of: entry, connection: context.connection)
                    context.logger.debug("case status followed", metadata: ["case_id": "\(entry.caseId)", "to": "\(entry.to.rawValue)",
                                                                            "rows": "\(updated)"])
                },
            ])
    }
}
