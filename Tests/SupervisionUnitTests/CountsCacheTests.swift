import Foundation
@testable import SupervisionService
import Testing

@Suite("Dashboard counts cache")
struct CountsCacheTests {
    final class Loads: @unchecked Sendable {
        var count = 0
        func next(_ n: Int) -> [CountRow] { count += 1; return [CountRow(key: "closed", count: n)] }
    }

    @Test("within the TTL the same grouping and scope is counted once; after it the old answer comes at once while one recount runs")
    func ttl() async throws {
        let cache = CountsCache(ttl: 5)
        let loads = Loads()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try await cache.rows(for: "status|city:", now: t0) { loads.next(1) }
        let second = try await cache.rows(for: "status|city:", now: t0.addingTimeInterval(4.9)) { loads.next(2) }
        #expect(loads.count == 1)
        #expect(second.rows.first?.count == 1)
        #expect(second.asOf == first.asOf)
        let stale = try await cache.rows(for: "status|city:", now: t0.addingTimeInterval(5.1)) { loads.next(3) }
        #expect(stale.rows.first?.count == 1)
        #expect(stale.asOf == t0)
        await cache.recountsFinished()
        #expect(loads.count == 2)
        let later = try await cache.rows(for: "status|city:", now: t0.addingTimeInterval(5.2)) { loads.next(4) }
        #expect(loads.count == 2)
        #expect(later.rows.first?.count == 3)
        #expect(later.asOf == t0.addingTimeInterval(5.1))
    }

    @Test("past the stale limit the asker waits for the recount, and sees its failure")
    func staleLimit() async throws {
        struct DatabaseDown: Error {}
        let cache = CountsCache(ttl: 5)
        let loads = Loads()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await cache.rows(for: "k", now: t0) { loads.next(1) }
        let late = t0.addingTimeInterval(cache.staleLimit + 1)
        await #expect(throws: DatabaseDown.self) {
            _ = try await cache.rows(for: "k", now: late) { throw DatabaseDown() }
        }
        let fresh = try await cache.rows(for: "k", now: late) { loads.next(2) }
        #expect(fresh.rows.first?.count == 2)
        #expect(fresh.asOf == late)
    }

    @Test("askers at the same moment share one count")
    func shared() async throws {
        let cache = CountsCache(ttl: 5)
        let loads = Loads()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await cache.rows(for: "k", now: t0) {
                        try await Task.sleep(for: .milliseconds(50))
                        return loads.next(7)
                    }.rows.first?.count ?? -1
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers == Array(repeating: 7, count: 8))
        #expect(loads.count == 1)
    }

    @Test("counts of different groupings run one at a time, so they hold one pooled connection")
    func oneAtATime() async throws {
        final class Overlap: @unchecked Sendable {
            let lock = NSLock()
            var running = 0
            var most = 0
            func enter() { lock.withLock { running += 1; most = max(most, running) } }
            func leave() { lock.withLock { running -= 1 } }
        }
        let cache = CountsCache(ttl: 5)
        let overlap = Overlap()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in ["grid", "district", "department", "status"] {
                group.addTask {
                    _ = try await cache.rows(for: key, now: t0) {
                        overlap.enter()
                        try await Task.sleep(for: .milliseconds(30))
                        overlap.leave()
                        return [CountRow(key: key, count: 1)]
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(overlap.most == 1)
    }

    @Test("another scope or grouping is its own entry; TTL 0 never caches")
    func keysAndOff() async throws {
        let cache = CountsCache(ttl: 5)
        let loads = Loads()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await cache.rows(for: "status|district:150102", now: t0) { loads.next(1) }
        let other = try await cache.rows(for: "status|district:150105", now: t0) { loads.next(2) }
        _ = try await cache.rows(for: "department|district:150102", now: t0) { loads.next(3) }
        #expect(loads.count == 3)
        #expect(other.rows.first?.count == 2)
        let off = CountsCache(ttl: 0)
        _ = try await off.rows(for: "k", now: t0) { loads.next(4) }
        _ = try await off.rows(for: "k", now: t0) { loads.next(5) }
        #expect(loads.count == 5)
    }
}
