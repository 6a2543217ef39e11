import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation

/// The supervision centre (监督中心): case lifecycle, time limits, timelines and the
/// supervisors' query API.
public enum SupervisionService {
    public static let descriptor = ServiceDescriptor(
        name: "supervision", schema: "supervision", messagingName: "supervision", defaultHTTPPort: 8084,
        migrations: SupervisionMigrations.all + EvidenceMigrations.all,
        build: { env in
            let refs = try ReferenceData.load(from: URL(fileURLWithPath: env.configuration.referenceDataPath))
            let engine = CaseEngine(refs: refs)
            // Bad values stop the service at start, as the platform's own settings do.
            let variables = EnvironmentReader()
            let scanSeconds = try variables.double("CITYGRID_SUPERVISION_SCAN_SECONDS", default: 5, range: 0.2...3600)
            let fraction = try variables.double("CITYGRID_SUPERVISION_WARNING_FRACTION", default: 0.8, range: 0...1)
            let watcher = DeadlineWatcher(env: env, engine: engine, interval: .milliseconds(Int(scanSeconds * 1000)),
                                          warningFraction: fraction)
            let countsTTL = try variables.double("CITYGRID_SUPERVISION_COUNTS_TTL_SECONDS", default: 5, range: 0...3600)
            var search = SearchTuning()
            search.window = try variables.int("CITYGRID_SUPERVISION_SEARCH_WINDOW", default: search.window, range: 1...1_000_000)
            search.indexLimit = try variables.int("CITYGRID_SUPERVISION_SEARCH_INDEX_LIMIT", default: search.indexLimit, range: 1...1_000_000)
            let exportBatch = try variables.int("CITYGRID_SUPERVISION_EXPORT_BATCH", default: CaseExport.batchSize, range: 1...10_000)
            let api = SupervisionAPI(env: env, engine: engine, counts: CountsCache(ttl: countsTTL), searchTuning: search,
                                     exportBatchSize: exportBatch)
            // The evidence store (photos and short videos): its folder must be writable before the service is ready.
            let evidenceSettings = try EvidenceSettings.read(variables, configuration: env.configuration)
            let evidenceStore = ContentStore(root: evidenceSettings.directory)
            try evidenceStore.prepare()
            let evidence = EvidenceAPI(env: env, settings: evidenceSettings, store: evidenceStore,
                                       cityTimeZone: TimeZone(identifier: refs.city.timeZoneIdentifier) ?? refs.calendar.timeZone)
            let sweeper = EvidenceSweeper(env: env, store: evidenceStore, grace: evidenceSettings.orphanGrace,
                                          interval: evidenceSettings.sweepInterval)
            env.logger.info("evidence store ready", metadata: ["directory": "\(evidenceSettings.directory.path)",
                                                               "base_url": "\(evidenceSettings.baseURL)"])
            env.logger.info("return-visit policy loaded", metadata: ["version": "\(refs.returnVisitPolicy.version)"])
            return ServiceParts(consumers: [SupervisionConsumers.definition(engine: engine), ReturnVisitInbound.definition(engine: engine)],
                                routes: { router in api.register(router); evidence.register(router) },
                                background: [watcher, sweeper],
                                // The feed the supervisors' handheld gateway (城管通) reads its verification tasks from.
                                feeds: [QueueSpec(name: "supervision.field-tasks", quorum: true, deliveryLimit: 20, bindings: [
                                    .init(exchange: MessagingNames.eventsExchange, routingKey: VerificationRequested.routingKey),
                                ])],
                                reference: refs)
        })
}
