import Foundation
@testable import SupervisionService
import Testing

@Suite("Dashboard counts cache")
struct CountsCacheTests {
    final class Loads: @unchecked Sendable {
        var count = 0
        func next(_ n: Int) -> [CountRow] { count += 1; return [CountRow(key: "closed", count: n)] }
    }

    @Test("within the TTL the same grouping and scope is counted once; after it, again")
    func ttl() async throws {
        let cache = CountsCache(ttl: 5)
        let loads = Loads()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try await cache.rows(for: "status|city:", now: t0) { loads.next(1) }
        let second = try await cache.rows(for: "status|city:", now: t0.addingTimeInterval(4.9)) { loads.next(2) }
        #expect(loads.count == 1)
        #expect(second.rows.first?.count == 1)
        #expect(second.asOf == first.asOf)
        let later = try await cache.rows(for: "status|city:", now: t0.addingTimeInterval(5.1)) { loads.next(3) }
        #expect(loads.count == 2)
        #expect(later.rows.first?.count == 3)
        #expect(later.asOf == t0.addingTimeInterval(5.1))
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
