import Foundation

/// The one owner of how a deadline is counted: a limit from a start on the working calendar,
/// with the basis it was counted on, and how a deadline counted by another service is judged
/// against this service's calendar.
///
/// Grid-routing counts the handling deadline at dispatch with it; supervision counts its stage
/// deadlines, the rework and resume deadlines and every recount after a calendar change with it,
/// and judges the dispatch deadline it receives with ``judge(_:basis:on:)``. Nobody else calls
/// ``WorkingCalendar/due(from:limit:)`` for a deadline.
public enum DeadlineCounting {
    /// `limit` counted from `start`: natural hours straight through, working hours and days only
    /// inside the work periods of working days.
    /// - Throws: ``WorkingCalendarError/calendarYearMissing(_:)`` when the count needs a year the
    ///   calendar does not cover.
    public static func count(_ limit: TimeLimit, from start: Date, on calendar: WorkingCalendar) throws -> Deadline {
        try calendar.due(from: start, limit: limit)
    }

    /// Deadlines travel in messages with millisecond precision: within a second is the same one.
    public static func sameInstant(_ a: Date, _ b: Date) -> Bool { abs(a.timeIntervalSince(b)) < 1 }

    /// How a deadline counted elsewhere stands against `calendar`.
    public enum Judgement: Hashable, Sendable {
        /// Counted on this calendar's versions of its years, in natural time, or decided: take it.
        case current
        /// Counted on other versions of its years than this calendar holds: take it as sent, then
        /// count it again here in the open (a recorded recount and a notice), never silently.
        case stale
        /// The sender named no basis (it predates bases): only a recount can tell.
        case unknown
    }

    /// Judges a deadline another service counted, from the basis it sent with it.
    public static func judge(_ deadline: Date, basis: DeadlineBasis?, on calendar: WorkingCalendar) -> Judgement {
        guard let basis else { return .unknown }
        return calendar.isCurrent(basis) ? .current : .stale
    }

    /// What a deadline that is meant to be `limit` from `start` was counted on, as far as this
    /// calendar can tell, and the limit to count again with when the calendar changes (`nil` when
    /// the deadline is not that count: a date someone set, which a new calendar must not move).
    public static func basis(of deadline: Date, from start: Date, limit: TimeLimit?,
                             on calendar: WorkingCalendar) -> (basis: DeadlineBasis, limit: TimeLimit?) {
        guard let limit else { return (calendar.basis(from: start, to: deadline), nil) }
        if limit.isUrgent { return (.naturalTime, limit) }
        let basis = calendar.basis(from: start, to: deadline)
        if let recounted = try? count(limit, from: start, on: calendar), !sameInstant(recounted.at, deadline) {
            return (basis, nil)
        }
        return (basis, limit)
    }
}
