import AssessmentService
import CityGridModel
import Foundation

/// SplitMix64: a tiny seeded generator so the synthetic city is the same on every run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
    mutating func hours(_ range: ClosedRange<Double>) -> TimeInterval { Double.random(in: range, using: &self) * 3600 }
}

/// Generates `count` realistic case histories reported between `start` and `end`: suspensions,
/// returns, extensions, rework, overdue, voids, public reports with verification, duplicates.
enum CaseGenerator {
    static let districts = ["150102", "150103", "150104", "150105"]
    static let departments = (1...12).map { String(format: "D%02d", $0) }
    static let supervisors = (1...40).map { "sup-\($0)" }
    static let acceptors = (1...6).map { "acc-\($0)" }
    static let dispatchers = (1...5).map { "dsp-\($0)" }
    static let grids: [String] = districts.flatMap { d in
        (1...3).flatMap { s in (1...3).flatMap { c in (1...4).map { g in d + String(format: "%03d%03d%03d", s, c, g) } } }
    }

    static func generate(count: Int, seed: UInt64, start: Date, end: Date) -> [CaseHistory] {
        var rng = SeededRandom(seed: seed)
        let span = end.timeIntervalSince(start)
        return (0..<count).map { i in
            var idBytes = [UInt8](repeating: 0, count: 16)
            withUnsafeBytes(of: rng.next()) { for (k, b) in $0.enumerated() { idBytes[k] = b } }
            withUnsafeBytes(of: UInt64(i)) { for (k, b) in $0.enumerated() { idBytes[8 + k] = b } }
            let id = UUID(uuid: (idBytes[0], idBytes[1], idBytes[2], idBytes[3], idBytes[4], idBytes[5], idBytes[6], idBytes[7],
                                 idBytes[8], idBytes[9], idBytes[10], idBytes[11], idBytes[12], idBytes[13], idBytes[14], idBytes[15]))
            return one(id: id, at: start.addingTimeInterval(Double.random(in: 0..<span, using: &rng)), rng: &rng)
        }
    }

    static func one(id: UUID, at reported: Date, rng: inout SeededRandom) -> CaseHistory {
        let publicReport = rng.chance(0.08)
        let isComponent = rng.chance(0.4)
        let grid = rng.pick(grids)
        var s = CaseScript(id: id, grid: grid, kind: isComponent ? .component : .event,
                           classCode: String(format: "%02d%02d", Int.random(in: 1...3, using: &rng), Int.random(in: 1...4, using: &rng)),
                           channel: publicReport ? .hotline12345 : .supervisor,
                           component: isComponent && rng.chance(0.5) ? "C\(Int.random(in: 1...3000, using: &rng))" : nil)
        var t = reported
        func step(_ range: ClosedRange<Double>) -> Date { t = t.addingTimeInterval(rng.hours(range)); return t }
        let supervisor = rng.pick(supervisors)
        if publicReport {
            s = s.report(t, by: "system", role: .system)
            let acceptor = rng.pick(acceptors)
            s = s.requestVerification(step(0.1...2), by: acceptor, deadline: reported.addingTimeInterval(3600))
            let verifyDeadline = t.addingTimeInterval(4 * 3600)
            if rng.chance(0.15) {
                return finish(s.verify(step(0.5...6), by: supervisor, deadline: verifyDeadline, confirmed: false), rng: &rng)
            }
            s = s.verify(step(0.5...6), by: supervisor, deadline: verifyDeadline)
        } else {
            s = s.report(t, by: supervisor)
            s = s.accept(step(0.1...1.5), by: rng.pick(acceptors), deadline: reported.addingTimeInterval(3600))
            if rng.chance(0.04) { return finish(s.void(step(0.1...1)), rng: &rng) }
        }
        s = s.file(step(0.1...1))
        var department = rng.pick(departments)
        let dispatchDeadline = t.addingTimeInterval(3600)
        s = s.dispatch(step(0.1...1.5), to: department, deadline: t.addingTimeInterval(rng.hours(24...120)), by: rng.pick(dispatchers),
                       dispatchDeadline: dispatchDeadline)
        if rng.chance(0.05) {
            s = s.approveReturn(step(1...24))
            department = rng.pick(departments.filter { $0 != department })
            s = s.dispatch(step(0.1...1.5), to: department, deadline: t.addingTimeInterval(rng.hours(24...120)), by: rng.pick(dispatchers))
        }
        if rng.chance(0.05) {
            s = s.approveExtension(step(1...24), to: (s.handlingDeadline ?? t).addingTimeInterval(rng.hours(24...72)))
        }
        if rng.chance(0.04) {
            s = s.approveSuspension(step(1...48))
            if rng.chance(0.5) { return finish(s, rng: &rng) }
            s = s.resume(step(24...240), deadline: t.addingTimeInterval(rng.hours(24...96)))
        }
        if rng.chance(0.08) { return finish(s, rng: &rng) }  // never completed: overdue and pending
        var rounds = 0
        while true {
            s = s.complete(step(1...100))
            s = s.requestCheck(step(0.1...2), by: rng.pick(acceptors), deadline: t.addingTimeInterval(3600))
            let checkDeadline = t.addingTimeInterval(4 * 3600)
            if rounds < 2, rng.chance(0.07) {
                s = s.checkFailed(step(0.5...6), by: rng.pick(supervisors), deadline: checkDeadline,
                                  newDeadline: t.addingTimeInterval(rng.hours(24...72)))
                rounds += 1
                continue
            }
            s = s.checkPassed(step(0.5...6), by: rng.pick(supervisors), deadline: checkDeadline)
            break
        }
        if rng.chance(0.03) { return finish(s, rng: &rng) }
        return finish(s.close(step(0.1...8)), rng: &rng)
    }

    static func finish(_ s: CaseScript, rng: inout SeededRandom) -> CaseHistory {
        var h = s.history
        h.duplicateLinks = rng.chance(0.05) ? Int.random(in: 1...8, using: &rng) : 0
        return h
    }
}
