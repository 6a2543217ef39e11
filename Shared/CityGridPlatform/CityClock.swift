import Foundation

/// The service's idea of "now". Injected everywhere deadlines are computed, so tests and the
/// city simulator can run a month of working time in minutes.
public protocol CityClock: Sendable {
    func now() -> Date
}

/// Wall-clock time.
public struct SystemClock: CityClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// Time that starts at `origin` and runs `speed` times faster than the wall clock
/// (`CITYGRID_CLOCK_START`, `CITYGRID_CLOCK_SPEED`). All services of a simulation share the
/// same origin and anchor so their clocks agree.
public struct AcceleratedClock: CityClock {
    public let origin: Date
    public let anchor: Date
    public let speed: Double

    public init(origin: Date, anchor: Date, speed: Double) {
        self.origin = origin
        self.anchor = anchor
        self.speed = speed
    }

    public func now() -> Date { origin.addingTimeInterval(Date().timeIntervalSince(anchor) * speed) }
}
