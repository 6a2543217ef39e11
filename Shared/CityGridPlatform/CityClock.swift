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

/// Wall-clock time shifted by an offset read from a file (`CITYGRID_CLOCK_FILE`), for end-to-end
/// tests and drills: every process of a test run points at the same file, so their clocks agree,
/// and writing a larger offset moves the whole city forward at once (past a warning, a deadline, a
/// token's expiry) without restarting anything. The file holds the offset in seconds as a decimal
/// number; a missing or unreadable file means no offset. Re-read at most every 50 ms.
public final class OffsetFileClock: CityClock, @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var offset: TimeInterval = 0
    private var readAt: Date = .distantPast

    public init(path: String) {
        self.path = path
    }

    public func now() -> Date {
        let wall = Date()
        lock.lock()
        defer { lock.unlock() }
        if wall.timeIntervalSince(readAt) >= 0.05 || wall < readAt {
            offset = Self.read(path) ?? 0
            readAt = wall
        }
        return wall.addingTimeInterval(offset)
    }

    static func read(_ path: String) -> TimeInterval? {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        return TimeInterval(text)
    }

    /// Sets the offset so that the clock reads `instant` now (used by tests).
    public static func write(_ path: String, makingNow instant: Date) throws {
        let text = String(format: "%.3f\n", instant.timeIntervalSince(Date()))
        let temporary = path + ".tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        // rename(2) so a reader never sees a half-written number
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
