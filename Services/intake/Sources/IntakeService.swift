import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import Logging
import PGClient

/// The intake service: accepts reports from supervisors' apps, hotline platforms (AMQP) and
/// Open311 clients, numbers them, links duplicates, and publishes `CaseReported`.
public enum IntakeService {
    public static let descriptor = ServiceDescriptor(
        name: "intake", schema: "intake", messagingName: "intake", defaultHTTPPort: 8081,
        migrations: IntakeMigrations.all,
        publishesTo: [ExchangeSpec(name: MessagingNames.outboundExchange, kind: .topic)],
        build: { env in try build(env) })

    static func build(_ env: ServiceEnvironment) throws -> ServiceParts {
        let directory = URL(fileURLWithPath: env.configuration.referenceDataPath)
        let reference = try ReferenceData.load(from: directory)
        let returnAddresses: ReturnAddresses
        let channelCoordinates: ChannelCoordinates
        do {
            returnAddresses = try ReturnAddresses.load(from: directory)
            channelCoordinates = try ChannelCoordinates.load(from: directory)
        } catch {
            throw ConfigurationError(variable: "CITYGRID_REFERENCE_DATA", problem: "\(error)")
        }
        guard let zone = TimeZone(identifier: reference.city.timeZoneIdentifier) else {
            throw ConfigurationError(variable: "CITYGRID_REFERENCE_DATA", problem: "city.csv time zone '\(reference.city.timeZoneIdentifier)' is unknown")
        }
        let duplicates = try DuplicatePolicy.fromEnvironment()
        let callers = try CallerKey.fromEnvironment()
        let repeats = RepeatDetector(rules: try RepeatRules.fromEnvironment(duplicates: duplicates))
        if callers.isDevelopmentDefault {
            env.logger.warning("CITYGRID_CALLER_HASH_SECRET is not set: callers' numbers are hashed with the development secret")
        }
        let intake = Intake(
            env: env, reference: reference,
            validator: ReportValidator(reference: reference, bounds: CityBounds(grids: reference.grids), channelCoordinates: channelCoordinates),
            store: ReportStore(numbering: CaseNumbering(timeZone: zone), duplicates: duplicates,
                               notices: ChannelNoticeWriter(returnAddresses: returnAddresses, departments: reference.departments),
                               callers: callers),
            disclosure: try Open311Disclosure.fromEnvironment(),
            statusLookup: try StatusLookup.Settings.fromEnvironment())
        env.logger.info("intake ready", metadata: ["duplicate_radius_m": "\(intake.store.duplicates.radiusMeters)",
                                                   "duplicate_window_s": "\(intake.store.duplicates.window)",
                                                   "repeat_call_window_s": "\(repeats.rules.callWindow)",
                                                   "open311_public_channels": "\(intake.disclosure.channelNames.joined(separator: ","))",
                                                   "return_addresses": "\(returnAddresses.entries.map { "\($0.channel.rawValue)=\($0.address)" }.joined(separator: ","))",
                                                   "coordinate_defaults": "\(channelCoordinates.entries.map { "\($0.channel.rawValue)=\($0.system.rawValue)" }.joined(separator: ","))",
                                                   "reference_version": "\(reference.version)"])
        return ServiceParts(
            consumers: [HotlineInbound.consumer(intake), CaseStatusFollower.consumer(notices: intake.store.notices),
                        LocatedReports.consumer(repeats)],
            routes: { router in
                IntakeOpenAPI.add(to: router)
                NativeRoutes.add(to: router, intake: intake)
                Open311Routes.add(to: router, intake: intake)
                StatusLookup.add(to: router, intake: intake)
            },
            reference: reference)
    }
}

/// What the routes and the consumer share.
struct Intake: Sendable {
    let env: ServiceEnvironment
    let reference: ReferenceData
    let validator: ReportValidator
    let store: ReportStore
    /// What the public Open311 list may show.
    let disclosure: Open311Disclosure
    /// Limits of the reporter's own status lookup.
    let statusLookup: StatusLookup.Settings

    /// Accepts a validated report in one transaction (case + outbox); a concurrent identical
    /// submission that won the race is returned instead of an error.
    func accept(_ report: ValidReport, idempotencyKey: String?) async throws -> AcceptOutcome {
        let now = env.clock.now()
        do {
            let outcome = try await env.transaction { [store] c, outbox in
                try store.accept(report, idempotencyKey: idempotencyKey, now: now, connection: c, outbox: outbox)
            }
            if outcome.created {
                env.logger.info("report accepted", metadata: ["case_id": "\(outcome.report.caseId)", "case_number": "\(outcome.report.caseNumber)",
                                                             "channel": "\(report.channel.rawValue)", "status": "\(outcome.report.status)"])
            }
            return outcome
        } catch let error as PGError where error.isUniqueViolation {
            let found = try await env.pool.withConnection { [store] c in
                try store.existing(c, channel: report.channel, idempotencyKey: idempotencyKey, channelReference: report.channelReference)
            }
            guard let found else { throw error }
            return AcceptOutcome(report: found, created: false)
        }
    }
}
