import CityGridModel
import Foundation
import Testing

// The services bind their queues with the contracts' static keys and patterns; these tests pin
// those to the wire keys (docs/asyncapi.yaml) and check each pattern takes the messages it is for.

@Suite("Contract routing keys")
struct ContractRoutingKeyTests {
    @Test("the fixed routing keys are the wire keys")
    func fixedKeys() {
        #expect(CaseReported.routingKey == "intake.case.reported")
        #expect(DuplicateLinked.routingKey == "intake.case.duplicate-linked")
        #expect(CaseLocated.routingKey == "routing.case.located")
        #expect(ManualDispatchRequired.routingKey == "routing.case.manual-dispatch-required")
        #expect(CaseFiled.filedRoutingKey == "supervision.case.filed")
        #expect(CaseFiled.redispatchRoutingKey == "supervision.case.redispatch-requested")
        #expect(VerificationRequested.routingKey == "supervision.case.verification-requested")
        #expect(CaseTransitioned.routingKey == "supervision.case.transitioned")
        #expect(ReturnVisitRecorded.routingKey == "supervision.case.return-visit-recorded")
    }

    @Test("the binding patterns are the wire patterns")
    func patterns() {
        #expect(TaskDispatched.bindingPatternAllDepartments == "routing.task.dispatched.*")
        #expect(TaskUpdated.bindingPatternAll == "disposal.task.#")
        #expect(TaskNotice.bindingPatternAll == "supervision.notice.#")
        #expect(HotlineReport.bindingPatternHotlines == "hotline.#")
        #expect(HotlineReport.bindingPatternPolice == "police.#")
        #expect(TaskCommand.bindingPatternAll == "#")
        #expect(ReferenceDataChanged.bindingPatternAll == "admin.reference.changed.#")
        #expect(ReturnVisitReport.bindingPatternAll == "return-visit.#")
    }

    @Test("keyed routing keys keep their wire form")
    func keyedKeys() {
        #expect(TaskDispatched.routingKey(departmentCode: "SZGY") == "routing.task.dispatched.SZGY")
        #expect(TaskUpdated.routingKey(action: .extensionRequested) == "disposal.task.extension-requested")
        #expect(TaskNotice.routingKey(departmentCode: "SRHW", kind: .deadlineChanged) == "supervision.notice.SRHW.deadline-changed")
        #expect(HotlineReport.routingKey(channel: .police110) == "police.110.report")
        #expect(HotlineReport.routingKey(channel: .hotline12319) == "hotline.12319.report")
        #expect(HotlineReport.routingKey(channel: .hotline12345) == "hotline.12345.report")
        #expect(ChannelNotice.routingKey(address: "12345", kind: .closed) == "12345.case.closed")
        #expect(ChannelNotice.routingKey(address: "12319", kind: .signedFor) == "12319.case.signed-for")
        #expect(ReturnVisitReport.routingKey(channel: .hotline12345) == "return-visit.12345")
        #expect(ReturnVisitReport.routingKey(channel: .hotline12319) == "return-visit.12319")
        #expect(ReturnVisitReport.routingKey(channel: .police110) == "return-visit.110")
    }

    @Test("each binding pattern takes every routing key of its message type and no other type's")
    func patternsMatchSampleKeys() {
        let dispatched = ["SZGY", "SRHW", "UTIL-POWER"].map { TaskDispatched.routingKey(departmentCode: $0) }
        let updated = TaskAction.allCases.map { TaskUpdated.routingKey(action: $0) }
        let notices = TaskNoticeKind.allCases.flatMap { kind in
            ["SZGY", "UTIL-DRAIN"].map { TaskNotice.routingKey(departmentCode: $0, kind: kind) }
        }
        let hotline = [ReportChannel.hotline12345, .hotline12319].map { HotlineReport.routingKey(channel: $0) }
        let police = [HotlineReport.routingKey(channel: .police110)]
        // On the inbound exchange beside the reports: intake's patterns must not take them.
        let visits = [ReportChannel.hotline12345, .hotline12319, .police110].map { ReturnVisitReport.routingKey(channel: $0) }
        let fixed = [CaseReported.routingKey, DuplicateLinked.routingKey, CaseLocated.routingKey, ManualDispatchRequired.routingKey,
                     CaseFiled.filedRoutingKey, CaseFiled.redispatchRoutingKey, VerificationRequested.routingKey,
                     CaseTransitioned.routingKey, ReturnVisitRecorded.routingKey]
        let groups: [(pattern: String, keys: [String])] = [
            (TaskDispatched.bindingPatternAllDepartments, dispatched),
            (TaskUpdated.bindingPatternAll, updated),
            (TaskNotice.bindingPatternAll, notices),
            (HotlineReport.bindingPatternHotlines, hotline),
            (HotlineReport.bindingPatternPolice, police),
            (ReturnVisitReport.bindingPatternAll, visits),
        ]
        let everyKey = dispatched + updated + notices + hotline + police + visits + fixed
        for group in groups {
            for key in everyKey {
                #expect(MessagingNames.topicMatches(group.pattern, key) == group.keys.contains(key), "\(group.pattern) vs \(key)")
            }
        }
        for key in fixed {
            #expect(everyKey.filter { MessagingNames.topicMatches(key, $0) } == [key], "fixed key \(key) binds only itself")
        }
        let commands = TaskCommandKind.allCases.map {
            TaskCommand(dispatchId: UUID(), command: $0, actorId: "a").routingKey(departmentCode: "SZGY")
        }
        #expect(commands.allSatisfy { MessagingNames.topicMatches(TaskCommand.bindingPatternAll, $0) })
        let change = ReferenceDataChanged.Table.allCases.map { "\(ReferenceDataChanged.routingKeyPrefix).\($0)" }
        #expect(change.allSatisfy { MessagingNames.topicMatches(ReferenceDataChanged.bindingPatternAll, $0) })
    }
}
