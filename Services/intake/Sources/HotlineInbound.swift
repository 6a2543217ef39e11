import CityGridModel
import CityGridPlatform
import Foundation

/// `intake.inbound`: reports from the 12345 / 12319 hotline platforms and 110 linkage on the
/// inbound exchange. Invalid reports are dead-lettered with every problem in the reason;
/// a redelivered or re-sent ticket (same channel reference) does not open a second case.
/// A 12345 ticket's own category is mapped by the validator (`hotline-categories.csv`).
enum HotlineInbound {
    static let channels: Set<ReportChannel> = [.hotline12345, .hotline12319, .police110]

    static func consumer(_ intake: Intake) -> ConsumerDefinition {
        ConsumerDefinition(
            queue: "intake.inbound",
            bindings: [.init(exchange: MessagingNames.inboundExchange, routingKey: HotlineReport.bindingPatternHotlines),
                       .init(exchange: MessagingNames.inboundExchange, routingKey: HotlineReport.bindingPatternPolice)],
            handlers: [
                HotlineReport.eventType: { message, context in
                    let report = try message.payload(HotlineReport.self)
                    guard let reference = report.channelReference, !reference.isEmpty else {
                        throw HandlerError.invalid("channelReference: is required for hotline reports (it makes them idempotent)")
                    }
                    let valid: ValidReport
                    switch intake.validator.validate(ReportSubmission(report), now: context.now, allowedChannels: channels) {
                    case .success(let v): valid = v
                    case .failure(let failure): throw HandlerError.invalid(failure.description)
                    }
                    let outcome = try intake.store.accept(valid, idempotencyKey: nil, now: context.now,
                                                          connection: context.connection, outbox: context.outbox)
                    context.logger.info(outcome.created ? "hotline report accepted" : "hotline report already known",
                                        metadata: ["case_id": "\(outcome.report.caseId)", "channel_reference": "\(reference)",
                                                   "class_source": "\(valid.classSource.rawValue)",
                                                   "hotline_category": "\(valid.hotlineCategory.map { "\($0.code) \($0.outcome.rawValue)" } ?? "-")"])
                },
            ])
    }
}
