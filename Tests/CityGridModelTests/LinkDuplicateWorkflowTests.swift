import CityGridModel
import Foundation
import Testing

/// `link_duplicate` (并案): the system ends a case as a duplicate of an open case that intake found
/// once it was located — only before filing, never a case of the command centre's, and never as a
/// repeat of a case that has ended.
@Suite("Case workflow: linking a duplicate after locating")
struct LinkDuplicateWorkflowTests {
    static let start = Date(timeIntervalSince1970: 1_780_000_000)
    static func t(_ minutes: Double) -> Date { start.addingTimeInterval(minutes * 60) }
    static let system = CaseActor(id: "intake", role: .system)
    static let original = UUID()

    static func link(open: Bool = true, of original: UUID = original) -> CaseCommand {
        .linkDuplicate(of: original, caseNumber: "20261207-0001", originalOpen: open, reason: "地址定位后与编号20261207-0001的案件同类、同地点")
    }

    /// A public report's case walked to `steps` (0 reported, 1 awaiting accept, 2 awaiting verify,
    /// 3 awaiting file, 4 awaiting dispatch, 5 in handling).
    static func record(after steps: Int) throws -> CaseRecord {
        var record = try CaseWorkflow.report(CaseReport(id: UUID(), caseNumber: "20261207-0002", requiresVerification: true),
                                             actor: system, at: t(0)).get().record
        let commands: [(CaseCommand, Role)] = [
            (.locate(gridCode: "150104001005003"), .system), (.requestVerification(deadline: t(60)), .acceptor),
            (.verificationConfirmed(deadline: t(90)), .supervisor), (.file(conditionId: "0102-01", deadline: t(120)), .shiftLeader),
            (.dispatch(dispatchId: UUID(), department: "SZGY", deadline: t(2880)), .system),
        ]
        for (index, (command, role)) in commands.prefix(steps).enumerated() {
            record = try #require(CaseWorkflow.apply(command, to: record, actor: CaseActor(id: "x", role: role), at: t(Double(index + 1)))
                .transition).record
        }
        return record
    }

    @Test("before filing the system ends the case as a duplicate, naming the case and its number; a second time changes nothing")
    func linksBeforeFiling() throws {
        for steps in 0...3 {
            let record = try Self.record(after: steps)
            let transition = try #require(CaseWorkflow.apply(Self.link(), to: record, actor: Self.system, at: Self.t(10)).transition,
                                          "from \(record.state)")
            #expect(transition.record.state == .voided && transition.record.duplicateOf == Self.original)
            #expect(transition.record.voidedAt == Self.t(10) && transition.record.clock == nil)
            let entry = transition.entry
            #expect(entry.action == .linkDuplicate && entry.from == record.state && entry.to == .voided)
            #expect(entry.uuid(.duplicateOf) == Self.original && entry.detail(.duplicateOfNumber) == "20261207-0001")
            #expect(entry.reason?.contains("20261207-0001") == true && entry.stoppedClock != nil)
            #expect(entry.details.keys.allSatisfy { TimelineDetail(rawValue: $0) != nil })
            #expect(CaseWorkflow.apply(Self.link(), to: transition.record, actor: Self.system, at: Self.t(11)) == .alreadyApplied)
        }
    }

    @Test("a filed or dispatched case is not voided by it: illegal_transition (supervision then only annotates)")
    func notOnceFiled() throws {
        for steps in 4...5 {
            let record = try Self.record(after: steps)
            let outcome = CaseWorkflow.apply(Self.link(), to: record, actor: Self.system, at: Self.t(10))
            #expect(outcome.error?.code == .illegalTransition, "\(record.state): \(outcome)")
            if case .rejected = outcome {} else { Issue.record("\(record.state): not rejected for good") }
        }
    }

    @Test("not as a repeat of a case that has ended, not of itself; only the system links; an ended case refuses it")
    func refusals() throws {
        let record = try Self.record(after: 2)
        #expect(CaseWorkflow.apply(Self.link(open: false), to: record, actor: Self.system, at: Self.t(10)).error?.code == .duplicateOfEnded)
        #expect(CaseWorkflow.apply(Self.link(of: record.id), to: record, actor: Self.system, at: Self.t(10)).error?.code == .duplicateOfSelf)
        for role in [Role.shiftLeader, .acceptor, .supervisor, .dispatcher, .department] {
            let actor = role == .department ? CaseActor.department("SZGY", id: "clerk") : CaseActor(id: "p", role: role)
            #expect(CaseWorkflow.apply(Self.link(), to: record, actor: actor, at: Self.t(10)).error?.code == .forbiddenForRole, "\(role)")
        }
        let blank = CaseCommand.linkDuplicate(of: Self.original, caseNumber: " ", originalOpen: true, reason: "r")
        #expect(CaseWorkflow.apply(blank, to: record, actor: Self.system, at: Self.t(10)).error?.code == .missingField)
        let voided = try #require(CaseWorkflow.apply(.void(reason: "不属实", duplicateOf: nil), to: record,
                                                     actor: CaseActor(id: "lead", role: .shiftLeader), at: Self.t(10)).transition).record
        #expect(CaseWorkflow.apply(Self.link(), to: voided, actor: Self.system, at: Self.t(11)).error?.code == .caseEnded)
        #expect(CaseAction.linkDuplicate.permittedRoles == [.system])
        #expect(CaseAction.linkDuplicate.sourceStates == [.reported, .awaitingAccept, .awaitingVerify, .awaitingFile])
        #expect(CaseWorkflow.offeredActions(to: .shiftLeader, on: record).contains(.linkDuplicate) == false)
        let command = Self.link()
        #expect(try JSONDecoder().decode(CaseCommand.self, from: JSONEncoder().encode(command)) == command)
    }
}
