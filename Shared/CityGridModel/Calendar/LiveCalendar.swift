import Synchronization

/// The working calendar of a running service, replaceable while it runs.
///
/// ``generation`` grows with every replacement, so that a watcher can tell cheaply whether
/// anything changed since it last looked.
public final class LiveCalendar: Sendable {
    private let state: Mutex<(calendar: WorkingCalendar, generation: Int)>

    public init(_ calendar: WorkingCalendar) {
        state = Mutex((calendar, 0))
    }

    public var current: WorkingCalendar { state.withLock { $0.calendar } }
    public var generation: Int { state.withLock { $0.generation } }
    public var snapshot: (calendar: WorkingCalendar, generation: Int) { state.withLock { $0 } }

    /// Replaces the calendar when its versions differ from the current one.
    /// - Returns: `true` if it was replaced.
    @discardableResult
    public func replace(with calendar: WorkingCalendar) -> Bool {
        state.withLock { current in
            guard current.calendar.versions != calendar.versions else { return false }
            current = (calendar, current.generation + 1)
            return true
        }
    }
}
