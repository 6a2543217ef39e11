import CityGridModel
import Foundation
import Logging
import PGClient
import ServiceLifecycle

/// Reference data changed in a running city (today: one year's calendar from the State Council's
/// notice), applied by every service that uses it without a restart.
///
/// The path of a change: `citygrid calendar import` validates the file and publishes
/// ``ReferenceDataChanged``; each service's `<service>.reference` queue receives it; the handler
/// validates it again and stores it in the service's own `reference_changes` table (inbox and
/// row in one transaction); every instance of the service reads that table (at start-up, on a
/// wake-up after its own consumer stored a row, and every few seconds for changes another
/// instance stored) and swaps the rebuilt calendar into ``ReferenceData/liveCalendar``. Whatever
/// depends on the calendar watches ``LiveCalendar/generation``.
public enum ReferenceChanges {
    /// The queue of `messagingName` for reference-data changes.
    public static func queueName(_ messagingName: String) -> String { "\(messagingName).reference" }

    /// Why a change was refused.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    /// Validates a change against the receiving service's reference data.
    /// - Returns: the calendar year the change carries.
    public static func validate(_ change: ReferenceDataChanged, timeZone: TimeZone) -> Result<CalendarYear, Refusal> {
        switch change.table {
        case .calendar:
            guard let year = Int(change.key), change.key.count == 4 else { return .failure(Refusal(description: "calendar key '\(change.key)' is not a year")) }
            switch OfficialYearFile.parse(change.content, file: "calendar/\(change.key).csv", expectedYear: year, timeZone: timeZone) {
            case .failure(let errors):
                return .failure(Refusal(description: errors.errors.map(\.description).joined(separator: "; ")))
            case .success(let calendarYear):
                guard calendarYear.contentVersion == change.version else {
                    return .failure(Refusal(description: "version \(change.version) does not match the content (\(calendarYear.contentVersion))"))
                }
                return .success(calendarYear)
            }
        }
    }

    /// The consumer that stores changes: invalid ones are dead-lettered with the reason.
    public static func consumer(reference: ReferenceData, messagingName: String, stored: WakeSignal) -> ConsumerDefinition {
        ConsumerDefinition(
            queue: queueName(messagingName),
            bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: ReferenceDataChanged.bindingPatternAll)],
            handlers: [
                ReferenceDataChanged.eventType: { (message: InboundMessage, context: HandlerContext) throws in
                    let change = try message.payload(ReferenceDataChanged.self)
                    if case .failure(let why) = validate(change, timeZone: reference.calendar.timeZone) {
                        throw HandlerError.invalid("reference-data change \(change.table.rawValue)/\(change.key) refused: \(why)")
                    }
                    try context.connection.query("""
                        INSERT INTO reference_changes (table_name, item_key, version, content, source, change_id, changed_by, changed_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        ON CONFLICT (table_name, item_key, version) DO UPDATE SET received_at = now(), change_id = EXCLUDED.change_id
                        """, [change.table.rawValue, change.key, change.version, change.content, change.source, change.changeId,
                              change.changedBy, change.changedAt])
                    context.logger.notice("reference-data change stored", metadata: [
                        "table": "\(change.table.rawValue)", "key": "\(change.key)", "version": "\(change.version)", "by": "\(change.changedBy)",
                    ])
                    // Applied by the watcher after the commit; a wake-up spares the poll interval.
                    stored.poke()
                },
            ])
    }

    /// The calendar the stored changes make of `base` (the files'): each year as last imported.
    public static func calendar(base: WorkingCalendar, stored rows: [(key: String, content: String)]) -> WorkingCalendar {
        var calendar = base
        for row in rows {
            guard let year = Int(row.key),
                  case .success(let calendarYear) = OfficialYearFile.parse(row.content, file: "calendar/\(row.key).csv", expectedYear: year,
                                                                           timeZone: base.timeZone) else { continue }
            calendar = calendar.replacing(calendarYear)
        }
        return calendar
    }

    /// Reads the stored changes and swaps the rebuilt calendar in when it differs.
    /// - Returns: the years whose version changed (empty when nothing did).
    /// - Parameter seen: the stored changes last applied (``Seen``); when they have not changed
    ///   since, nothing is read or rebuilt. Updated on return.
    @discardableResult
    public static func apply(pool: PGPool, reference: ReferenceData, base: WorkingCalendar, logger: Logger,
                             seen: Seen? = nil) async throws -> [Int] {
        let rows: [(key: String, content: String)]? = try await pool.withConnection { connection in
            // A cheap look first: polling every few seconds must not rebuild the calendar each time.
            let marker = try connection.query("""
                SELECT count(*)::bigint AS n, coalesce(max(received_at)::text, '') AS latest FROM reference_changes WHERE table_name = 'calendar'
                """).first.map { "\(try $0.int("n"))|\(try $0.string("latest"))" } ?? ""
            if let seen, seen.marker == marker { return nil }
            seen?.marker = marker
            return try connection.query("""
                SELECT item_key, content FROM reference_changes WHERE table_name = 'calendar' ORDER BY received_at, seq
                """).rows.map { (try $0.string("item_key"), try $0.string("content")) }
        }
        guard let rows else { return [] }
        let before = reference.liveCalendar.current
        let after = calendar(base: base, stored: rows)
        guard reference.liveCalendar.replace(with: after) else { return [] }
        let changed = after.versions.keys.filter { before.versions[$0] != after.versions[$0] }.sorted()
        for year in changed {
            logger.notice("working calendar replaced", metadata: [
                "year": "\(year)", "from": "\(before.versions[year] ?? "none")", "to": "\(after.versions[year] ?? "none")",
                "notice": "\(after.years[year]?.notice ?? "")",
            ])
        }
        return changed
    }
}

extension ReferenceChanges {
    /// What a watcher last applied: the count and latest arrival of the stored changes.
    public final class Seen: @unchecked Sendable {
        // Touched only by the one watcher task that owns it.
        var marker: String?
        public init() {}
    }
}

/// Keeps a service's live calendar in step with its stored reference-data changes.
public struct ReferenceChangeWatcher: Service {
    let pool: PGPool
    let reference: ReferenceData
    let base: WorkingCalendar
    let logger: Logger
    let wake: WakeSignal
    let intervalMilliseconds: Int

    public init(pool: PGPool, reference: ReferenceData, base: WorkingCalendar, logger: Logger, wake: WakeSignal,
                intervalMilliseconds: Int = 3_000) {
        self.pool = pool
        self.reference = reference
        self.base = base
        self.logger = logger
        self.wake = wake
        self.intervalMilliseconds = intervalMilliseconds
    }

    public func run() async throws {
        let stopping = Flag()
        let seen = ReferenceChanges.Seen()
        await withGracefulShutdownHandler {
            while !stopping.isSet && !Task.isCancelled {
                await wake.wait(milliseconds: intervalMilliseconds)
                if stopping.isSet { break }
                do {
                    try await ReferenceChanges.apply(pool: pool, reference: reference, base: base, logger: logger, seen: seen)
                } catch {
                    logger.warning("reading reference-data changes failed; will retry", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            stopping.set()
            wake.poke()
        }
    }
}
