@testable import AssessmentFixtures
import AssessmentService
import CityGridModel
import Foundation
import Testing

/// Simulates the consumer's incremental path: events arrive shuffled across and within cases, with
/// redeliveries; an event after a gap is parked (`HandlerError.notYet`) and re-tried when the case moves on.
struct IncrementalFolder {
    var facts: [UUID: CaseFacts] = [:]
    var stored: [UUID: [CaseEvent]] = [:]
    var parked: [UUID: [Int: CaseEvent]] = [:]
    var parkings = 0
    var redeliveries = 0

    mutating func receive(_ e: CaseEvent) {
        var f = facts[e.caseId] ?? CaseFacts(caseId: e.caseId)
        do {
            try f.apply(e)
        } catch {
            switch error {
            case .alreadyApplied: redeliveries += 1
            case .gap:
                parkings += 1
                parked[e.caseId, default: [:]][e.sequence] = e
            }
            return
        }
        stored[e.caseId, default: []].append(e)
        // The platform re-tries the case's parked messages once a message for the subject applied.
        while let next = parked[e.caseId]?[f.lastSequence + 1] {
            parked[e.caseId]?[next.sequence] = nil
            try? f.apply(next)
            stored[e.caseId, default: []].append(next)
        }
        if parked[e.caseId]?.isEmpty == true { parked[e.caseId] = nil }
        facts[e.caseId] = f
    }
}

/// Every figure of every family, for comparing two computations.
struct AllFigures: Equatable {
    var departments: [DepartmentFigures]
    var areas: [[AreaFigures]]
    var posts: [[PostFigures]]
    var facilities: [FacilityFigures]
    var ranking: [RankingRow]

    init(engine: KPIEngine, histories: [CaseHistory], period: Period) {
        let folded = engine.fold(histories, for: period)
        departments = engine.departments(folded: folded)
        areas = AreaLevel.allCases.map { engine.areas(folded: folded, level: $0) }
        posts = Post.allCases.map { engine.posts(folded: folded, period: period, post: $0) }
        facilities = engine.facilities(folded: folded, period: period)
        let previous = engine.departments(histories, period: period.previous)
        ranking = KPIEngine.rank(departments.map { ($0.code, $0.score, $0.grade) }, previous: previous.map { ($0.code, $0.score, $0.grade) })
    }
}

@Suite("Rebuild from scratch equals the incremental fold")
struct RebuildEqualsIncrementalTests {
    @Test("20,000 generated cases, shuffled with redeliveries: same facts and same figures for every period")
    func rebuildEqualsIncremental() throws {
        let start = cityTime(2026, 10, 1, 0), end = cityTime(2026, 12, 1, 0)
        let histories = CaseGenerator.generate(count: 20_000, seed: 20_261_125, start: start, end: end)
        var rng = SeededRandom(seed: 47)
        var arrivals = histories.flatMap(\.events)
        let eventCount = arrivals.count
        arrivals += arrivals.filter { _ in rng.chance(0.05) }  // redeliveries under new message ids
        arrivals.shuffle(using: &rng)

        var incremental = IncrementalFolder()
        for e in arrivals { incremental.receive(e) }
        #expect(incremental.parked.isEmpty)
        #expect(incremental.parkings > 0)  // the shuffle really did deliver out of order
        // A copy that arrives before its original applied is parked like any early event; the rest are skipped.
        #expect(incremental.redeliveries > 0 && incremental.redeliveries <= arrivals.count - eventCount)
        #expect(incremental.stored.values.map(\.count).reduce(0, +) == eventCount)

        // Per case: the incremental fold equals the from-scratch fold of the stored history.
        var mismatches = 0
        for h in histories {
            let rebuilt = CaseFacts.fold(caseId: h.caseId, events: h.events)
            if incremental.facts[h.caseId] != rebuilt || incremental.stored[h.caseId] != h.events { mismatches += 1 }
        }
        #expect(mismatches == 0)

        // Figures from the incrementally stored events equal those from the generator's streams.
        let stored = histories.map { h in
            CaseHistory(caseId: h.caseId, meta: h.meta, events: incremental.stored[h.caseId] ?? [], duplicateLinks: h.duplicateLinks)
        }
        let engine = KPIEngine()
        let periods = ["2026-10", "2026-11", "2026-W45", "2026-11-20"].compactMap(Period.parse) + [Period.range(from: "2026-10-15", to: "2026-11-14")!]
        for period in periods {
            let a = AllFigures(engine: engine, histories: histories, period: period)
            let b = AllFigures(engine: engine, histories: stored, period: period)
            #expect(a == b, "period \(period.label)")
            #expect(!a.departments.isEmpty)
        }
        // Sanity: November has every kind of case.
        let november = AllFigures(engine: engine, histories: histories, period: Period.parse("2026-11")!)
        #expect(november.departments.map(\.suspended).reduce(0, +) > 0)
        #expect(november.departments.map(\.reworks).reduce(0, +) > 0)
        #expect(november.departments.map(\.returns).reduce(0, +) > 0)
        #expect(november.departments.map(\.extensions).reduce(0, +) > 0)
        #expect(november.departments.map(\.overduePending).reduce(0, +) > 0)
        #expect(november.areas[0].map(\.repeatLocations).reduce(0, +) >= 0)
    }

    @Test("benchmark: rebuild of a month of 40,000 cases (time printed, not asserted)")
    func rebuildBenchmark() {
        let period = Period.parse("2026-11")!
        let histories = CaseGenerator.generate(count: 40_000, seed: 7, start: period.start, end: period.end)
        let events = histories.map(\.events.count).reduce(0, +)
        let clock = ContinuousClock()
        var figures: AllFigures?
        let elapsed = clock.measure {
            figures = AllFigures(engine: KPIEngine(), histories: histories, period: period)
        }
        let facts = clock.measure {
            for h in histories { _ = CaseFacts.fold(caseId: h.caseId, events: h.events) }
        }
        print("[assessment benchmark] rebuild of 2026-11: \(histories.count) cases, \(events) events → all families + ranking in \(elapsed); fold alone \(facts)")
        #expect(figures?.departments.isEmpty == false)
    }
}
