import Foundation

/// A single OS thread that runs submitted closures one after another.
///
/// librabbitmq and libpq connections are not thread-safe and every call blocks. Swift's
/// cooperative pool has as many threads as cores (two here), so one blocking call there can
/// stall the whole process. Each C connection is therefore owned by one `BlockingThread`:
/// async code hands it work with ``run(_:)`` and suspends until the thread is done.
public final class BlockingThread: @unchecked Sendable {
    /// The queue the OS thread works from. The thread holds it strongly: a `BlockingThread`
    /// released before its thread got going (a pool made and dropped at once) must not leave
    /// the thread reading a freed object.
    private final class Queue: @unchecked Sendable {
        let condition = NSCondition()
        var jobs: [() -> Void] = []
        var stopping = false

        func loop() {
            while true {
                condition.lock()
                while jobs.isEmpty && !stopping { condition.wait() }
                if jobs.isEmpty && stopping { condition.unlock(); return }
                let job = jobs.removeFirst()
                condition.unlock()
                job()
            }
        }
    }

    private let queue = Queue()
    public let name: String

    /// Starts the thread.
    /// - Parameter name: shown in debuggers and crash reports.
    public init(name: String) {
        self.name = name
        let thread = Thread { [queue] in queue.loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit { shutdown() }

    /// Runs `body` on this thread and returns its result to the caller.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = submit {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            if !accepted { continuation.resume(throwing: BlockingThreadStopped(name: name)) }
        }
    }

    /// Queues `job`; returns false when the thread is shutting down.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        queue.condition.lock()
        defer { queue.condition.unlock() }
        guard !queue.stopping else { return false }
        queue.jobs.append(job)
        queue.condition.signal()
        return true
    }

    /// Lets queued jobs finish, then ends the thread.
    public func shutdown() {
        queue.condition.lock()
        queue.stopping = true
        queue.condition.broadcast()
        queue.condition.unlock()
    }
}

/// Work was submitted to a ``BlockingThread`` after it was shut down.
public struct BlockingThreadStopped: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "thread \(name) is shut down" }
}
