import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation

/// The supervision centre (监督中心): case lifecycle, time limits, timelines and the
/// supervisors' query API.
public enum SupervisionService {
    public static let descriptor = ServiceDescriptor(
        name: "supervision", schema: "supervision", messagingName: "supervision", defaultHTTPPort: 8084,
        migrations: SupervisionMigrations.all,
        build: { env in
            let refs = try ReferenceData.load(from: URL(fileURLWithPath: env.configuration.referenceDataPath))
            let engine = CaseEngine(refs: refs)
            let variables = ProcessInfo.processInfo.environment
            let scanSeconds = variables["CITYGRID_SUPERVISION_SCAN_SECONDS"].flatMap(Double.init) ?? 5
            let fraction = variables["CITYGRID_SUPERVISION_WARNING_FRACTION"].flatMap(Double.init) ?? 0.8
            let watcher = DeadlineWatcher(env: env, engine: engine, interval: .milliseconds(Int(max(scanSeconds, 0.2) * 1000)),
                                          warningFraction: min(max(fraction, 0), 1))
            let countsTTL = variables["CITYGRID_SUPERVISION_COUNTS_TTL_SECONDS"].flatMap(Double.init) ?? 5
            var search = SearchTuning()
            if let window = variables["CITYGRID_SUPERVISION_SEARCH_WINDOW"].flatMap(Int.init), window > 0 { search.window = window }
            if let limit = variables["CITYGRID_SUPERVISION_SEARCH_INDEX_LIMIT"].flatMap(Int.init), limit > 0 { search.indexLimit = limit }
            let api = SupervisionAPI(env: env, engine: engine, counts: CountsCache(ttl: max(countsTTL, 0)), searchTuning: search)
            return ServiceParts(consumers: [SupervisionConsumers.definition(engine: engine)],
                                routes: { router in api.register(router) },
                                background: [watcher],
                                // The feed the supervisors' handheld gateway (城管通) reads its verification tasks from.
                                feeds: [QueueSpec(name: "supervision.field-tasks", quorum: true, deliveryLimit: 20, bindings: [
                                    .init(exchange: MessagingNames.eventsExchange, routingKey: VerificationRequested.routingKey),
                                ])],
                                reference: refs)
        })
}
