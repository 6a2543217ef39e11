import CityGridModel
import CityGridPlatform
import Foundation
import PGClient

/// Counting running deadlines again when the calendar they were counted on is replaced (the
/// State Council's notice for a provisional year imported, office hours changed).
///
/// A clock records its limit and the basis of its deadline (``StageClock/limit``,
/// ``StageClock/basis``). When a year of that basis has another version now, the same limit is
/// counted again from the clock's start. A deadline that moves gets a `recompute_deadline`
/// timeline entry (old → new and why); for the handling clock the department gets a
/// `deadline_changed` notice and assessment follows the entry. A deadline that stays where it
/// was only has its basis brought up to date. Deadlines set by a decision (an approved extension)
/// and natural-time deadlines never move.
extension CaseEngine {
    /// The calendar acting in the timeline.
    public static let calendarActor = CaseActor(id: "calendar", role: .system)

    /// What ``rebase(_:at:connection:outbox:)`` did to one case.
    public enum RebaseOutcome: Equatable, Sendable {
        /// The deadline moved: a timeline entry was written.
        case moved(from: Date, to: Date)
        /// Same deadline, basis brought up to date.
        case restamped
        /// Nothing to do (no clock, basis current, or not counted).
        case unchanged
    }

    /// Counts the running clock of `stored` again if its basis is stale.
    public func rebase(_ stored: inout StoredCase, at now: Date, connection: PGConnection, outbox: OutboxWriter) throws -> RebaseOutcome {
        guard var clock = stored.record.clock, let deadline = clock.deadline else { return .unchanged }
        let calendar = refs.calendar
        let limit: TimeLimit
        switch clock.basis {
        case .some(let basis):
            guard basis.kind == .workingCalendar, !calendar.isCurrent(basis) else { return .unchanged }
            guard let counted = clock.limit else {
                // A date someone chose on a working calendar: it stays; only its basis is renewed.
                clock.basis = calendar.basis(from: clock.startedAt, to: deadline)
                return try restamp(&stored, clock, connection: connection)
            }
            limit = counted
        case .none:
            // A clock started before bases were recorded: its limit is the stage's (or the
            // condition's). If counting it today gives another date, the date came from a decision
            // (an extension) rather than from the count: keep it as such.
            guard let stageLimit = self.limit(of: clock.stage, stored) else {
                clock.basis = .decision
                return try restamp(&stored, clock, connection: connection)
            }
            let recounted = try counted { try DeadlineCounting.count(stageLimit, from: clock.startedAt, on: calendar) }
            if Self.sameInstant(recounted.at, deadline) {
                clock.limit = stageLimit
                clock.basis = recounted.basis
            } else {
                clock.limit = nil
                clock.basis = .decision
            }
            return try restamp(&stored, clock, connection: connection)
        }
        let recounted = try counted { try DeadlineCounting.count(limit, from: clock.startedAt, on: calendar) }
        if Self.sameInstant(recounted.at, deadline) {
            clock.basis = recounted.basis
            return try restamp(&stored, clock, connection: connection)
        }
        let reason = Self.rebaseReason(old: clock.basis, new: recounted.basis)
        let outcome = try apply(.recomputeDeadline(stage: clock.stage, previous: deadline, deadline: recounted.at, basis: recounted.basis,
                                                   reason: reason),
                                to: &stored, actor: Self.calendarActor, at: now, connection: connection, outbox: outbox)
        guard case .applied = outcome else { return .unchanged }
        return .moved(from: deadline, to: recounted.at)
    }

    /// A recount that differs by less than a second is the same deadline.
    static func sameInstant(_ a: Date, _ b: Date) -> Bool { DeadlineCounting.sameInstant(a, b) }

    /// Writes a clock whose deadline did not move; no transition, so no timeline entry.
    private func restamp(_ stored: inout StoredCase, _ clock: StageClock, connection: PGConnection) throws -> RebaseOutcome {
        stored.record.clock = clock
        if clock.stage == .handle, stored.record.handlingDeadline == clock.deadline { stored.record.handlingDeadlineBasis = clock.basis }
        try CaseStore.update(stored, on: connection)
        return .restamped
    }

    /// "working calendar replaced: 2027 provisional → official (国办发明电〔2026〕9号)".
    static func rebaseReason(old: DeadlineBasis?, new: DeadlineBasis) -> String {
        let before = Dictionary((old?.years ?? []).map { ($0.year, $0) }, uniquingKeysWith: { a, _ in a })
        let changes = new.years.compactMap { year -> String? in
            guard let was = before[year.year] else { return nil }
            guard was.version != year.version else { return nil }
            let notice = year.notice.map { " (\($0))" } ?? ""
            return was.standing == year.standing
                ? "\(year.year) \(year.standing.rawValue) revised\(notice)"
                : "\(year.year) \(was.standing.rawValue) → \(year.standing.rawValue)\(notice)"
        }
        return "working calendar replaced: " + (changes.isEmpty ? new.description : changes.joined(separator: ", "))
    }
}

extension DeadlineWatcher {
    /// Counts again every running clock whose basis is not the live calendar's, in batches.
    /// - Returns: how many deadlines moved.
    public func rebaseOnce() async throws -> Int {
        let calendar = engine.refs.calendar
        let current = PGTextArray(calendar.versions.keys.sorted().compactMap { calendar.yearBasis($0)?.token })
        var moved = 0
        var after = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        while true {
            let from = after
            let stale: [UUID] = try await env.pool.withConnection { connection in
                try CaseStore.clocksOffBasis(current, after: from, on: connection)
            }
            guard let last = stale.last else { break }
            after = last
            for id in stale {
                let now = env.clock.now()
                let outcome = try await env.transaction { [engine] connection, outbox in
                    guard var stored = try CaseStore.load(id, forUpdate: true, on: connection) else { return CaseEngine.RebaseOutcome.unchanged }
                    return try engine.rebase(&stored, at: now, connection: connection, outbox: outbox)
                }
                if case .moved(let from, let to) = outcome {
                    moved += 1
                    env.logger.info("deadline recounted on the new calendar", metadata: [
                        "case": "\(id)", "from": "\(RFC3339.format(from))", "to": "\(RFC3339.format(to))",
                    ])
                }
            }
        }
        return moved
    }
}
