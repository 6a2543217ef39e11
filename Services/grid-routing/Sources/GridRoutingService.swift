import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// grid-routing: locates reported cases in unit grids and dispatches filed cases (派遣).
public enum GridRoutingService {
    public static let descriptor = ServiceDescriptor(
        name: "grid-routing", schema: "routing", messagingName: "routing", defaultHTTPPort: 8082,
        migrations: RoutingMigrations.all,
        build: { env in try await build(env) })

    static func build(_ env: ServiceEnvironment) async throws -> ServiceParts {
        let reference = try ReferenceData.load(from: URL(fileURLWithPath: env.configuration.referenceDataPath))
        let logger = env.logger
        try await env.pool.transaction { connection in try GridStore.importIfChanged(reference, connection: connection, logger: logger) }
        let core = RoutingCore(reference: reference)

        let reports = ConsumerDefinition(
            queue: "routing.reports",
            bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: CaseReported.routingKey)],
            handlers: [
                CaseReported.eventType: { message, context in
                    let report = try message.payload(CaseReported.self)
                    try core.handleReported(report, connection: context.connection, outbox: context.outbox, now: context.now, logger: context.logger)
                },
            ])
        let filings = ConsumerDefinition(
            queue: "routing.filings",
            bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: CaseFiled.filedRoutingKey),
                       .init(exchange: MessagingNames.eventsExchange, routingKey: CaseFiled.redispatchRoutingKey)],
            handlers: [
                CaseFiled.eventType: { message, context in
                    let filed = try message.payload(CaseFiled.self)
                    do {
                        try core.handleFiled(filed, connection: context.connection, outbox: context.outbox, now: context.now, logger: context.logger)
                    } catch let failure as RoutingCore.DispatchFailure {
                        // A year an imported notice can cover waits for it (parked filings are
                        // retried periodically); one past the calendar's horizon never will be
                        // covered, and neither will an unknown department: dead letters.
                        if case .calendar(_, coverable: true) = failure { throw HandlerError.notYet(failure.description) }
                        throw HandlerError.invalid(failure.description)
                    }
                },
            ])
        return ServiceParts(consumers: [reports, filings], routes: { router in
            GridRoutingOpenAPI.add(to: router)
            ManualDispatchRoutes(env: env, core: core).add(to: router)
            MapRoutes(env: env, core: core).add(to: router)
        }, reference: reference)
    }
}
