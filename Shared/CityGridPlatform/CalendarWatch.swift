import CityGridModel
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// What the calendar ahead looks like on one city date: the pure part of ``CalendarWatch``.
public struct CalendarOutlook: Sendable, Equatable {
    /// Days in the look-ahead window that are counted on a provisional calendar.
    public var provisionalDaysAhead: Int
    /// Days from today to the first provisional day (0 when today is provisional); `nil` when none
    /// lies within the calendar's horizon.
    public var daysUntilProvisional: Int?
    /// The warning to raise, if any.
    public var warning: String?

    /// From this day of the year on, a provisional next year is a warning: the State Council
    /// usually publishes the next year's notice in late October or November.
    public static let warnFrom = MonthDay("11-01")!
    /// Days ahead the metric looks at.
    public static let window = 366

    public init(calendar: WorkingCalendar, today: CivilDate) {
        provisionalDaysAhead = calendar.provisionalDays(from: today, window: Self.window)
        daysUntilProvisional = calendar.firstProvisionalDay(onOrAfter: today).map { $0.dayNumber - today.dayNumber }
        if calendar.standing(of: today.year) == .provisional {
            warning = "the working calendar of \(today.year) is provisional (statutory days only, no bridging or make-up days): "
                + "import the State Council's notice with `citygrid calendar import`"
        } else if MonthDay(of: today) >= Self.warnFrom, calendar.standing(of: today.year + 1) == .provisional {
            warning = "the working calendar of \(today.year + 1) is provisional (statutory days only, no bridging or make-up days): "
                + "deadlines reaching into it may move; import the State Council's notice with `citygrid calendar import` once published"
        } else {
            warning = nil
        }
    }
}

/// Watches the calendar ahead of the city's today: a `calendar` warning in `/health/ready` (the
/// service stays ready), the gauges `citygrid_calendar_provisional_days_ahead` and
/// `citygrid_calendar_days_until_provisional`, and one log warning per city day while it lasts.
public struct CalendarWatch: Service {
    let reference: ReferenceData
    let clock: any CityClock
    let health: HealthState
    let logger: Logger
    let provisionalDaysAhead: Gauge
    let daysUntilProvisional: Gauge
    let interval: Duration

    public init(reference: ReferenceData, clock: any CityClock, health: HealthState, metrics: PlatformMetrics, logger: Logger,
                service: String, interval: Duration = .seconds(30)) {
        self.reference = reference
        self.clock = clock
        self.health = health
        self.logger = logger
        self.interval = interval
        let labels = [("service", service)]
        provisionalDaysAhead = metrics.registry.gauge("citygrid_calendar_provisional_days_ahead", labels: labels,
            help: "Days of the coming \(CalendarOutlook.window) (city time) counted on a provisional working calendar")
        daysUntilProvisional = metrics.registry.gauge("citygrid_calendar_days_until_provisional", labels: labels,
            help: "Days from the city's today to the first day of a provisional working calendar (-1: none within the horizon)")
    }

    /// Updates health and gauges for the city's now; returns the outlook.
    @discardableResult
    public func check() -> CalendarOutlook {
        let calendar = reference.calendar
        let outlook = CalendarOutlook(calendar: calendar, today: calendar.civilDate(of: clock.now()))
        provisionalDaysAhead.set(Double(outlook.provisionalDaysAhead))
        daysUntilProvisional.set(Double(outlook.daysUntilProvisional ?? -1))
        health.setWarning("calendar", outlook.warning)
        return outlook
    }

    public func run() async throws {
        let stopping = Flag()
        var loggedOn: CivilDate?
        var warned = false
        await withGracefulShutdownHandler {
            while !stopping.isSet && !Task.isCancelled {
                let generation = reference.liveCalendar.generation
                let outlook = check()
                let today = reference.calendar.civilDate(of: clock.now())
                if let warning = outlook.warning, loggedOn != today {
                    logger.warning("calendar: \(warning)", metadata: ["provisional_days_ahead": "\(outlook.provisionalDaysAhead)"])
                    loggedOn = today
                } else if outlook.warning == nil && warned {
                    logger.notice("calendar: warning cleared", metadata: ["provisional_days_ahead": "\(outlook.provisionalDaysAhead)"])
                    loggedOn = nil
                }
                warned = outlook.warning != nil
                // An imported notice swaps the calendar: look again at once rather than at the
                // end of the interval, so the warning clears as soon as the new year is in.
                var slept = Duration.zero
                while slept < interval && !stopping.isSet && reference.liveCalendar.generation == generation {
                    try? await Task.sleep(for: .milliseconds(200))
                    slept += .milliseconds(200)
                }
            }
        } onGracefulShutdown: {
            stopping.set()
        }
    }
}
