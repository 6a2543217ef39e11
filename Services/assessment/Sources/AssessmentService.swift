import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import Logging
import PGClient

/// 综合评价: folds supervision's timeline into per-case facts and serves the §5 indicators.
public enum AssessmentServiceDescriptor {
    /// The service as the platform runs it.
    public static func make() -> ServiceDescriptor {
        ServiceDescriptor(
            name: "assessment", schema: "assessment", messagingName: "assessment", defaultHTTPPort: 8085,
            migrations: AssessmentMigrations.all,
            build: { env in
                let engine = try loadEngine(referenceDataPath: env.configuration.referenceDataPath, logger: env.logger)
                env.logger.info("assessment weights loaded", metadata: ["version": "\(engine.weights.version)"])
                return ServiceParts(consumers: [consumer(logger: env.logger)], routes: { router in
                    AssessmentOpenAPI.add(to: router)
                    KPIRoutes(env: env, engine: engine).register(on: router)
                })
            })
    }

    /// `assessment.events`: every timeline entry, plus duplicate links and repeat complaints (重复投诉).
    static func consumer(logger: Logger) -> ConsumerDefinition {
        ConsumerDefinition(
            queue: "assessment.events",
            bindings: [
                .init(exchange: MessagingNames.eventsExchange, routingKey: CaseTransitioned.routingKey),
                .init(exchange: MessagingNames.eventsExchange, routingKey: DuplicateLinked.routingKey),
                .init(exchange: MessagingNames.eventsExchange, routingKey: FieldTaskAssigned.routingKey),
                .init(exchange: MessagingNames.eventsExchange, routingKey: RepeatFound.routingKey),
            ],
            handlers: [
                CaseTransitioned.eventType: { message, context in
                    let payload = try message.payload(CaseTransitioned.self)
                    guard payload.entry.sequence >= 1 else { throw HandlerError.invalid("sequence must be ≥ 1") }
                    let applied = try FactsStore.apply(payload, on: context.connection)
                    context.logger.debug("timeline entry folded", metadata: [
                        "case_id": "\(payload.entry.caseId)", "sequence": "\(payload.entry.sequence)",
                        "action": "\(payload.entry.action.rawValue)", "applied": "\(applied)",
                    ])
                },
                FieldTaskAssigned.eventType: { message, context in
                    let payload = try message.payload(FieldTaskAssigned.self)
                    guard payload.sequence >= 1, payload.requestSequence >= 1 else { throw HandlerError.invalid("sequences must be ≥ 1") }
                    try FactsStore.recordAssignment(payload, on: context.connection)
                },
                DuplicateLinked.eventType: { message, context in
                    let payload = try message.payload(DuplicateLinked.self)
                    try FactsStore.link(payload, on: context.connection)
                    context.logger.debug("duplicate linked", metadata: ["case_id": "\(payload.duplicateOf)", "report_id": "\(payload.reportId)"])
                },
                RepeatFound.eventType: { message, context in
                    // Only repeat complaints count here; a duplicate counts once linked (DuplicateLinked).
                    try FactsStore.recordRepeatComplaint(try message.payload(RepeatFound.self), on: context.connection)
                },
            ])
    }

    /// Weights from `assessment-weights.csv` (overridable with `CITYGRID_ASSESSMENT_WEIGHTS`) and
    /// registered components from the reference data.
    public static func loadEngine(referenceDataPath: String, logger: Logger,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KPIEngine {
        let weightsPath = environment["CITYGRID_ASSESSMENT_WEIGHTS"] ?? referenceDataPath + "/assessment-weights.csv"
        var weights = AssessmentWeights()
        if let text = try? String(contentsOfFile: weightsPath, encoding: .utf8) {
            weights = try AssessmentWeights.parse(csv: text)
        } else {
            logger.warning("no assessment weights file; using the built-in defaults", metadata: ["path": "\(weightsPath)"])
        }
        let reference = try ReferenceData.load(from: URL(fileURLWithPath: referenceDataPath))
        return engine(weights: weights, components: reference.components)
    }

    /// An engine with component counts per class and area at the configured level.
    public static func engine(weights: AssessmentWeights, components: [ComponentRecord]) -> KPIEngine {
        var registered: [KPIEngine.FacilityKey: Int] = [:]
        var notIntact: [KPIEngine.FacilityKey: Int] = [:]
        for c in components {
            let key = KPIEngine.FacilityKey(classCode: c.classCode, area: String(c.gridCode.prefix(weights.facilityAreaLevel.codeLength)))
            registered[key, default: 0] += 1
            if c.state != .intact { notIntact[key, default: 0] += 1 }
        }
        return KPIEngine(weights: weights, registeredComponents: registered, notIntactComponents: notIntact)
    }
}
