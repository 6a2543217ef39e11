import Foundation

/// Case counts for dashboards, kept for a few seconds per (grouping, scope).
///
/// A count reads an index entry for every case in scope — a million entries city-wide — and a
/// wall of supervisors' dashboards asks for the same few counts over and over. Counts that are up
/// to `ttl` old are fine for a dashboard; the answer says how old (`asOf`), and a list query is
/// always fresh. `ttl` 0 turns the cache off.
final class CountsCache: @unchecked Sendable {
    struct Entry {
        let rows: [CountRow]
        let asOf: Date
    }

    let ttl: TimeInterval
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    init(ttl: TimeInterval) {
        self.ttl = ttl
    }

    /// The cached rows for `key` if younger than `ttl`, else the result of `load`, remembered.
    func rows(for key: String, now: Date = Date(), load: () async throws -> [CountRow]) async throws -> Entry {
        if ttl > 0, let hit = lock.withLock({ entries[key] }), now.timeIntervalSince(hit.asOf) < ttl, hit.asOf <= now {
            return hit
        }
        let fresh = Entry(rows: try await load(), asOf: now)
        if ttl > 0 {
            lock.withLock {
                // A scope per district, street or department and four groupings: the map stays small,
                // but drop stale entries now and then so it cannot grow without bound.
                if entries.count > 2_000 { entries = entries.filter { now.timeIntervalSince($0.value.asOf) < ttl } }
                entries[key] = fresh
            }
        }
        return fresh
    }
}
