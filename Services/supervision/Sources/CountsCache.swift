import Foundation

/// Case counts for dashboards, kept for a few seconds per (grouping, scope, filters).
///
/// A count reads an index entry for every case it counts — a million entries for the whole city's
/// counts by status — and a wall of dashboards asks for the same few counts every 10 s. Counts up
/// to `ttl` old are answered from here. Older ones are still answered at once while one recount
/// runs in the background, so a dashboard never waits for a count it had a moment ago, and
/// concurrent askers share that one recount; the answer's `asOf` says when the counts were
/// taken. Past ``staleLimit`` (the database stopped answering, say) a cached answer is no longer
/// served: the asker waits for the recount and sees its error. Lists are always fresh.
/// `ttl` 0 turns the cache off.
final class CountsCache: @unchecked Sendable {
    struct Entry: Sendable {
        let rows: [CountRow]
        let asOf: Date
    }

    let ttl: TimeInterval
    /// The oldest answer served while its recount runs.
    var staleLimit: TimeInterval { max(ttl * 12, ttl + 60) }
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var recounts: [String: Task<Entry, any Error>] = [:]
    /// Recounts run one at a time: a dashboard's refresh makes several at once, and each holds a
    /// pooled connection for tens of milliseconds, which the lists asked at the same moment need.
    private let oneAtATime = Turnstile()

    init(ttl: TimeInterval) {
        self.ttl = ttl
    }

    /// The cached rows for `key` if younger than `ttl`; if older but within ``staleLimit``, the
    /// same rows while `load` recounts in the background; else the result of `load` (one at a
    /// time per key), remembered.
    func rows(for key: String, now: Date = Date(), load: @escaping @Sendable () async throws -> [CountRow]) async throws -> Entry {
        guard ttl > 0 else { return Entry(rows: try await load(), asOf: now) }
        let (cached, running) = lock.withLock { (entries[key], recounts[key]) }
        if let cached, cached.asOf <= now {
            let age = now.timeIntervalSince(cached.asOf)
            if age < ttl { return cached }
            if age < staleLimit {
                if running == nil { _ = recount(key, at: now, load) }
                return cached
            }
        }
        return try await (running ?? recount(key, at: now, load)).value
    }

    /// Waits for the recounts running now (tests).
    func recountsFinished() async {
        for task in lock.withLock({ Array(recounts.values) }) { _ = try? await task.value }
    }

    private func recount(_ key: String, at now: Date, _ load: @escaping @Sendable () async throws -> [CountRow]) -> Task<Entry, any Error> {
        lock.withLock {
            if let running = recounts[key] { return running }
            // Created and registered under the lock, so the task's own removal comes after.
            let task = Task { [self] in
                do {
                    let fresh = Entry(rows: try await oneAtATime.pass(load), asOf: now)
                    lock.withLock {
                        // One entry per grouping, scope and filters: small, but drop stale entries
                        // now and then so it cannot grow without bound.
                        if entries.count > 2_000 { entries = entries.filter { now.timeIntervalSince($0.value.asOf) < staleLimit } }
                        entries[key] = fresh
                        recounts[key] = nil
                    }
                    return fresh
                } catch {
                    lock.withLock { recounts[key] = nil }
                    throw error
                }
            }
            recounts[key] = task
            return task
        }
    }
}

/// Lets one caller at a time through, the others waiting in arrival order.
actor Turnstile {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func pass<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await work()
    }
}
