import CityGridModel
import CityGridPlatform
import Foundation

/// `intake.case-status`: follows supervision's timeline so Open311 clients see when a case
/// ends (`closed`) and when it last changed (`updated_datetime`), and tells the channels with a
/// return address what became of their reports (filed, dispatched, …, the result). Intake stays
/// the owner of its rows, the channel and the channel's reference; it only copies the outcome.
/// The notices are written to the outbox in the same transaction as the status, and the inbox
/// applies each `CaseTransitioned` once.
enum CaseStatusFollower {
    static func consumer(notices: ChannelNoticeWriter) -> ConsumerDefinition {
        ConsumerDefinition(
            queue: "intake.case-status",
            bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: CaseTransitioned.routingKey)],
            handlers: [
                CaseTransitioned.eventType: { message, context in
                    let event = try message.payload(CaseTransitioned.self)
                    let entry = event.entry
                    let updated = try ReportStore.followStatus(of: entry, connection: context.connection)
                    // A case ended as a repeat: its report joins the case it repeats before the notices go out.
                    try RepeatDetector.followLink(event, connection: context.connection, outbox: context.outbox)
                    let sent = try notices.transitioned(event, connection: context.connection, outbox: context.outbox)
                    context.logger.debug("case status followed", metadata: ["case_id": "\(entry.caseId)", "to": "\(entry.to.rawValue)",
                                                                            "rows": "\(updated)", "notices": "\(sent)"])
                },
            ])
    }
}
