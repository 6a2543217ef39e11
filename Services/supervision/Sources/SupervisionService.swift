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
            let directory = URL(fileURLWithPath: env.configuration.referenceDataPath)
            let refs = try ReferenceData.load(from: directory)
            // Grid responsibility (shifts.csv, roster.csv): where verification and check tasks go.
            let desk = FieldTaskDesk(baseRoster: try GridRoster.load(from: directory, refs: refs))
            let engine = CaseEngine(refs: refs, fieldTasks: desk)
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
            let viewCache = try variables.int("CITYGRID_SUPERVISION_VIEW_CACHE", default: CaseViewCache.defaultCapacity, range: 0...1_000_000)
            let api = SupervisionAPI(env: env, engine: engine, counts: CountsCache(ttl: countsTTL), searchTuning: search,
                                     exportBatchSize: exportBatch, views: CaseViewCache(capacity: viewCache))
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
            env.logger.info("roster loaded", metadata: ["version": "\(desk.baseRoster.version)", "rows": "\(desk.baseRoster.assignments.count)"])
            // The phone hands its reports to intake's native API (docs/supervision.md, "The supervisor's phone").
            let intakeText = variables.string("CITYGRID_SUPERVISION_INTAKE_URL", default: "http://127.0.0.1:8081")
            guard let intakeURL = URL(string: intakeText), ["http", "https"].contains(intakeURL.scheme ?? ""), intakeURL.host != nil else {
                throw ConfigurationError(variable: "CITYGRID_SUPERVISION_INTAKE_URL", problem: "must be an http(s) URL, got '\(intakeText)'")
            }
            let fieldWatcher = FieldTaskWatcher(env: env, engine: engine, desk: desk, interval: .milliseconds(Int(scanSeconds * 1000)))
            let rosterRoutes = RosterRoutes(env: env, engine: engine, desk: desk)
            let phoneRoutes = PhoneRoutes(env: env, engine: engine, desk: desk, intake: IntakeForwarder(baseURL: intakeURL))
            return ServiceParts(consumers: [SupervisionConsumers.definition(engine: engine), ReturnVisitInbound.definition(engine: engine)],
                                routes: { router in
                                    api.register(router)
                                    evidence.register(router)
                                    rosterRoutes.register(router)
                                    phoneRoutes.register(router)
                                },
                                background: [watcher, sweeper, fieldWatcher],
                                // The feed the supervisors' handheld gateway (城管通) reads its verification tasks from.
                                feeds: [QueueSpec(name: "supervision.field-tasks", quorum: true, deliveryLimit: 20, bindings: [
                                    .init(exchange: MessagingNames.eventsExchange, routingKey: VerificationRequested.routingKey),
                                    .init(exchange: MessagingNames.eventsExchange, routingKey: FieldTaskAssigned.routingKey),
                                ])],
                                reference: refs)
        })
}
