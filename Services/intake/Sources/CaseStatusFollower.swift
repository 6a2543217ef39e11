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
                    // A terminal state closes the report; anything else only moves updated_at.
                    // Older entries (a redelivery after a later one) never move it backwards.
                    let updated = try context.connection.query("""
                        UPDATE intake.reports
                        SET status = CASE WHEN $2 THEN 'closed' ELSE status END,
                            final_state = CASE WHEN $2 THEN $3 ELSE final_state END,
                            updated_at = GREATEST(updated_at, $4)
                        WHERE case_id = $1 AND status = 'open'
                        """, [entry.caseId, entry.to.isTerminal, entry.to.rawValue, entry.at]).affectedRows
                    context.logger.debug("case status followed", metadata: ["case_id": "\(entry.caseId)", "to": "\(entry.to.rawValue)",
                                                                            "rows": "\(updated)"])
                },
            ])
    }
}
