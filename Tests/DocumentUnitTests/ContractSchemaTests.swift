import CityGridModel
import Foundation
import TestSupport
import Testing

/// The AsyncAPI document outsiders code against must describe the bytes our Swift contracts
/// actually produce: every message type is encoded exactly as a service would and validated.
@Suite("Message catalogue matches the contracts")
struct ContractSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func samples() -> [(String, Data)] {
        let encoder = MessageCoding.encoder()
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let caseId = UUID()
        let dispatch = UUID()
        func envelope<E: DomainEvent>(_ event: E) -> (String, Data) {
            let data = try! encoder.encode(Envelope(type: E.eventType, source: "/citygrid/test", time: now, subject: caseId.uuidString.lowercased(),
                                                    correlationId: UUID().uuidString.lowercased(), causationId: nil, data: event))
            return (event.routingKey, data)
        }
        let limit = TimeLimit(4, .workingHours)
        // A deadline counted into a year without its notice yet, and the same one once the notice is in.
        let provisional = DeadlineBasis(kind: .workingCalendar, years: [
            .init(year: 2026, standing: .official, version: "official-3f9a1c2e", notice: "国办发明电〔2025〕7号"),
            .init(year: 2027, standing: .provisional, version: "provisional-8b2d4e10", notice: nil),
        ])
        let official = DeadlineBasis(kind: .workingCalendar, years: [
            .init(year: 2026, standing: .official, version: "official-3f9a1c2e", notice: "国办发明电〔2025〕7号"),
            .init(year: 2027, standing: .official, version: "official-5c6d7e8f", notice: "国办发明电〔2026〕9号"),
        ])
        let calendarFile = try! String(contentsOf: Self.root.appendingPathComponent("Shared/reference-data/calendar/2026.csv"), encoding: .utf8)
        let calendarYear = try! OfficialYearFile.parse(calendarFile, file: "calendar/2026.csv", expectedYear: 2026,
                                                       timeZone: TimeZone(identifier: "Asia/Shanghai")!).get()
        let entry = TimelineEntry(caseId: caseId, sequence: 3, action: .file, from: .awaitingFile, to: .awaitingDispatch,
                                  actorId: "auto-filing", actorRole: .shiftLeader, actorDepartment: nil, at: now, department: nil,
                                  reason: nil, details: ["conditionId": "0502-01"], stoppedClock: nil, startedClock: nil)
        var all: [(String, Data)] = [
            envelope(CaseReported(caseId: caseId, caseNumber: "20261125-0001", channel: .hotline12345, channelReference: "T-1", reporterId: nil,
                                  reporterContact: "13900000000", kind: .event, classCode: "0502", conditionId: nil, componentCode: nil,
                                  location: ReportedLocation(address: "新华广场"), description: "流动摊贩",
                                  photos: [.report("https://img.example/1.jpg")], reportedAt: now, requiresVerification: true)),
            envelope(CaseReported(caseId: caseId, caseNumber: "20261125-0002", channel: .supervisor, channelReference: nil, reporterId: "sup-001",
                                  reporterContact: nil, kind: .event, classCode: "0502", conditionId: nil, componentCode: nil,
                                  location: ReportedLocation(longitude: 111.68, latitude: 40.83), description: "流动摊贩已劝离",
                                  photos: [Photo(url: "https://img.example/b.jpg", purpose: .before),
                                           Photo(url: "https://img.example/a.jpg", purpose: .after)],
                                  reportedAt: now, requiresVerification: false, selfHandled: true)),
            envelope({ () -> CaseReported in
                // A 12345 ticket whose category maps to no class: the class is the best suggestion.
                var report = CaseReported(caseId: caseId, caseNumber: "20261125-0003", channel: .hotline12345, channelReference: "T-3",
                                          reporterId: nil, reporterContact: nil, kind: .component, classCode: "0102", conditionId: nil,
                                          componentCode: nil, location: ReportedLocation(address: "友谊南小区东门"), description: "井盖没了",
                                          photos: [], reportedAt: now, requiresVerification: true)
                report.hotlineCategory = HotlineCategoryDecision(code: "010302", path: "城乡建设>市政设施>井盖缺失破损",
                                                                 tablePath: "城乡建设 > 市政设施 > 井盖缺失破损", outcome: .unmapped,
                                                                 reason: .acceptor, decidedBy: "010302", mappingVersion: "2026.1")
                report.classSource = .suggestion
                report.suggestions = ReportSuggestions(
                    classes: [.init(kind: .component, classCode: "0102", score: 0.612, classifier: 0.405, dictionary: 0.818, terms: ["井盖"]),
                              .init(kind: .component, classCode: "0101", score: 0.2, classifier: 0.3, dictionary: 0.1, terms: ["井盖"]),
                              .init(kind: .event, classCode: "0401", score: 0.05, classifier: 0.1, dictionary: 0, terms: [])],
                    places: [.init(name: "友谊南小区", matched: "友谊南小区", kind: .poi, longitude: 111.66, latitude: 40.83,
                                   gridCode: "150103001001001", districtCode: "150103", score: 0.9)],
                    basis: .init(corpusVersion: "2026.1", trainingTexts: 240, terms: 285))
                return report
            }()),
            envelope({ () -> CaseReported in
                // A public app's report in GCJ-02: the location in WGS84, the point as sent beside it.
                var report = CaseReported(caseId: caseId, caseNumber: "20261125-0004", channel: .app, channelReference: nil, reporterId: nil,
                                          reporterContact: nil, kind: .event, classCode: "0102", conditionId: nil, componentCode: nil,
                                          location: ReportedLocation(longitude: 111.683779, latitude: 40.816827), description: "暴露垃圾",
                                          photos: [], reportedAt: now, requiresVerification: true)
                report.originalLocation = OriginalLocation(longitude: 111.690593, latitude: 40.81818, system: .gcj02)
                return report
            }()),
            envelope(DuplicateLinked(reportId: UUID(), duplicateOf: caseId, duplicateOfNumber: "20261125-0001", channel: .supervisor, kind: .event,
                                     classCode: "0502", distanceMeters: 12.5, reportedAt: now)),
            // Linked after locating: the report had been a case of its own (issue 14, point 6).
            envelope({ () -> DuplicateLinked in
                var link = DuplicateLinked(reportId: UUID(), duplicateOf: caseId, duplicateOfNumber: "20261125-0001", channel: .hotline12345,
                                           kind: .event, classCode: "0102", distanceMeters: nil, reportedAt: now)
                link.basis = .samePlace
                return link
            }()),
            envelope(RepeatFound(caseId: UUID(), caseNumber: "20261125-0009", repeatOf: CaseReference(caseId: caseId, caseNumber: "20261125-0001"),
                                 relation: .duplicate, basis: .samePlace, channel: .hotline12345, kind: .event, classCode: "0102",
                                 reportedAt: now, distanceMeters: 0, sameGrid: true, foundAt: now)),
            envelope(RepeatFound(caseId: UUID(), caseNumber: "20261125-0010", repeatOf: CaseReference(caseId: caseId, caseNumber: "20261125-0001"),
                                 relation: .repeatComplaint, basis: .sameCaller, channel: .hotline12345, kind: .event, classCode: "0102",
                                 reportedAt: now, distanceMeters: nil, sameGrid: true, foundAt: now)),
            envelope(CaseTransitioned(entry: TimelineEntry(caseId: caseId, sequence: 4, action: .linkDuplicate, from: .awaitingVerify, to: .voided,
                                                           actorId: "intake", actorRole: .system, actorDepartment: nil, at: now, department: nil,
                                                           reason: "地址定位后与编号20261125-0001的案件同类、同地点：作为重复上报并入该案件办理",
                                                           details: ["duplicate_of": caseId.uuidString.lowercased(),
                                                                     "duplicate_of_number": "20261125-0001", "repeat_basis": "same_place"],
                                                           stoppedClock: nil, startedClock: nil),
                                      caseNumber: "20261125-0009", channel: .hotline12345, kind: .event, classCode: "0102",
                                      gridCode: "150104001005003", reporterId: nil)),
            envelope(CaseLocated(caseId: caseId, caseNumber: "20261125-0001", gridCode: "150102001001001", communityCode: "150102001001",
                                 streetCode: "150102001", districtCode: "150102", areaClass: .a, longitude: 111.68, latitude: 40.83,
                                 method: .poi, matchedName: "新华广场", recurrenceKey: "150102001001001:event0502:新华广场")),
            envelope(ManualDispatchRequired(caseId: caseId, caseNumber: "20261125-0001", reason: .unlocatable, detail: "no match")),
            envelope(CaseFiled(caseId: caseId, caseNumber: "20261125-0001", conditionId: "0502-01", handlingLimit: limit, filedAt: now,
                               excludedDepartments: [], redispatch: nil)),
            envelope(CaseFiled(caseId: caseId, caseNumber: "20261125-0001", conditionId: "0502-01", handlingLimit: limit, filedAt: now,
                               excludedDepartments: ["CGZF"], redispatch: true)),
            envelope(TaskDispatched(dispatchId: dispatch, caseId: caseId, caseNumber: "20261125-0001", departmentCode: "CGZF", departmentName: "执法局",
                                    via: "sector", kind: .event, classCode: "0502", className: "流动摊贩", conditionId: "0502-01",
                                    gridCode: "150102001001001", description: "d", address: nil, longitude: nil, latitude: nil,
                                    photos: ["https://img.example/1.jpg"],
                                    dispatchedAt: now, deadline: now.addingTimeInterval(14_400), handlingLimit: limit, redispatch: false)),
            envelope(TaskDispatched(dispatchId: dispatch, caseId: caseId, caseNumber: "20261125-0001", departmentCode: "CGZF", departmentName: "执法局",
                                    via: "manual", kind: .event, classCode: "0502", className: "流动摊贩", conditionId: "0502-01",
                                    gridCode: "150102001001001", description: "d", address: nil, longitude: nil, latitude: nil, photos: [],
                                    dispatchedAt: now, deadline: now.addingTimeInterval(14_400), handlingLimit: limit, redispatch: false,
                                    dispatchedBy: "dispatcher-1", deadlineBasis: provisional)),
            envelope(VerificationRequested(caseId: caseId, caseNumber: "20261125-0001", gridCode: "150102001001001", description: "d",
                                           address: "新华广场", longitude: nil, latitude: nil, requestedAt: now, deadline: now)),
            // Field tasks: the first assignment to the supervisor on duty, and a handover to the shift leader's queue.
            envelope(FieldTaskAssigned(taskId: dispatch, caseId: caseId, caseNumber: "20261125-0001", kind: .verification, requestSequence: 3,
                                       gridCode: "150102001001001", sequence: 1, supervisorId: "sup-001", shift: "early", assignedAt: now,
                                       dueAt: now.addingTimeInterval(3600), reason: .requested, previousSupervisorId: nil,
                                       assignedBy: "field-task-policy", description: "流动摊贩", address: "新华广场", longitude: 111.68,
                                       latitude: 40.83)),
            envelope(FieldTaskAssigned(taskId: dispatch, caseId: caseId, caseNumber: "20261125-0001", kind: .check, requestSequence: 9,
                                       gridCode: nil, sequence: 3, supervisorId: nil, shift: nil, assignedAt: now, dueAt: nil, reason: .offDuty,
                                       previousSupervisorId: "sup-002", assignedBy: "field-task-policy")),
            envelope(TaskUpdated(updateId: UUID(), dispatchId: dispatch, caseId: caseId, caseNumber: "20261125-0001", departmentCode: "CGZF",
                                 action: .extensionRequested, actorId: "wang", at: now, reason: "need parts", requestedDeadline: now)),
            envelope(TaskUpdated(updateId: UUID(), dispatchId: dispatch, caseId: caseId, caseNumber: "20261125-0001", departmentCode: "CGZF",
                                 action: .completed, actorId: "wang", at: now, result: "cleared",
                                 photos: [Photo(url: "https://img.example/done.jpg", purpose: .completion)])),
            envelope(TaskNotice(noticeId: UUID(), kind: .reworked, caseId: caseId, caseNumber: "20261125-0001", departmentCode: "CGZF",
                                dispatchId: UUID(), at: now, deadline: now, reason: "still dirty", deadlineBasis: .naturalTime)),
            envelope(TaskNotice(noticeId: UUID(), kind: .deadlineChanged, caseId: caseId, caseNumber: "20261125-0001", departmentCode: "CGZF",
                                dispatchId: dispatch, at: now, deadline: now.addingTimeInterval(86_400), reason: "calendar 2027 official",
                                deadlineBasis: official, previousDeadline: now.addingTimeInterval(14_400))),
            envelope(TaskNotice(noticeId: UUID(), kind: .extensionApproved, caseId: caseId, caseNumber: "20261125-0001", departmentCode: "CGZF",
                                dispatchId: dispatch, at: now, deadline: now.addingTimeInterval(172_800), deadlineBasis: .decision)),
            envelope({ () -> TaskNotice in
                var notice = TaskNotice(noticeId: UUID(), kind: .updateRefused, caseId: caseId, caseNumber: "20261125-0001",
                                        departmentCode: "CGZF", dispatchId: dispatch, at: now,
                                        reason: "complete in state suspended (挂账): allowed only in in_handling",
                                        message: "completed refused: illegal_transition")
                notice.refusal = TaskNotice.UpdateRefusal(updateId: UUID(), action: .completed, code: "illegal_transition",
                                                          taskState: .suspended, pendingRequest: nil)
                return notice
            }()),
            envelope(HotlineReport(channel: .police110, channelReference: "110-20261125-7", reporterId: nil, reporterContact: nil, kind: .event,
                                   classCode: "0509", conditionId: nil, componentCode: nil, location: ReportedLocation(address: "中山路"),
                                   description: "占道", photos: [.report("https://img.example/110.jpg")], reportedAt: now, selfHandled: nil,
                                   handledAtIntake: nil)),
            envelope(HotlineReport(channel: .hotline12345, channelReference: "12345-20261125-11", kind: .event, classCode: "0102",
                                   location: ReportedLocation(longitude: 111.697102, latitude: 40.824175), description: "暴露垃圾",
                                   coordinateSystem: "bd09")),
            envelope(HotlineReport(channel: .hotline12345, channelReference: "12345-20261125-9", kind: nil, classCode: nil,
                                   location: ReportedLocation(address: "劳动保障"), description: "拖欠工资",
                                   hotlineCategory: HotlineCategory(code: "040101", path: "劳动保障>劳动报酬>拖欠工资"))),
            { () -> (String, Data) in
                let command = TaskCommand(dispatchId: dispatch, command: .complete, actorId: "szgy-1", result: "done")
                let data = try! encoder.encode(Envelope(type: TaskCommand.eventType, source: "/szgy", time: now, subject: caseId.uuidString,
                                                        data: command))
                return (command.routingKey(departmentCode: "SZGY"), data)
            }(),
            envelope(ReferenceDataChanged(changeId: UUID(), table: .calendar, key: "2026", version: calendarYear.contentVersion,
                                          content: calendarFile, source: calendarYear.notice, changedAt: now, changedBy: "ops-li")),
            envelope(CaseTransitioned(entry: entry, caseNumber: "20261125-0001", channel: .supervisor, kind: .event, classCode: "0502",
                                      gridCode: "150102001001001", reporterId: "sup-001")),
            envelope({ () -> CaseTransitioned in
                var event = CaseTransitioned(entry: entry, caseNumber: "20261125-0001", channel: .hotline12345, kind: .event, classCode: "0502",
                                             gridCode: "150102001001001", reporterId: nil)
                event.gridSupervisorId = "sup-001"
                return event
            }()),
            envelope({ () -> CaseTransitioned in
                let close = TimelineEntry(caseId: caseId, sequence: 16, action: .close, from: .awaitingClose, to: .closed, actorId: "lead-1",
                                          actorRole: .shiftLeader, actorDepartment: nil, at: now, department: "SZGY", reason: nil, details: [:],
                                          stoppedClock: nil, startedClock: nil)
                var event = CaseTransitioned(entry: close, caseNumber: "20261125-0001", channel: .hotline12345, kind: .event, classCode: "0102",
                                             gridCode: "150104001005003", reporterId: nil)
                event.resolution = .init(summary: "已清运", photos: [Photo(url: "https://img.example/done.jpg", purpose: .completion),
                                                                    Photo(url: "https://img.example/check.jpg", purpose: .check)])
                return event
            }()),
            // Return visits (回访): the hotline's verdict, the centre's record of it, the reopened task and the timeline entry.
            { () -> (String, Data) in
                let visit = ReturnVisitReport(visitId: "HV-20261125-7", channel: .hotline12345, channelReference: "T-1", caseNumber: "20261125-0001",
                                              verdict: .dissatisfied, note: "垃圾又堆起来了", visitedAt: now, visitedBy: "agent-7")
                let data = try! encoder.encode(Envelope(type: ReturnVisitReport.eventType, source: "/hotline/12345", time: now,
                                                        subject: visit.visitId, data: visit))
                return (ReturnVisitReport.routingKey(channel: visit.channel), data)
            }(),
            envelope(ReturnVisitRecorded(visitId: "HV-20261125-7", caseId: caseId, caseNumber: "20261125-0001", route: .hotline,
                                         channel: .hotline12345, channelReference: "T-1", verdict: .dissatisfied, note: "垃圾又堆起来了",
                                         visitedBy: "agent-7", visitedAt: now, recordedBy: "hotline_12345", recordedAt: now,
                                         departmentCode: "CGZF", outcome: .reopened, referral: nil, reopenCount: 1, dispatchId: UUID(),
                                         deadline: now.addingTimeInterval(14_400))),
            envelope(ReturnVisitRecorded(visitId: "3f0c", caseId: caseId, caseNumber: "20261125-0001", route: .centre, channel: nil,
                                         channelReference: nil, verdict: .basicallySatisfied, note: nil, visitedBy: "acc-2", visitedAt: now,
                                         recordedBy: "acc-2", recordedAt: now, departmentCode: nil, outcome: .referred,
                                         referral: .noDepartment, reopenCount: 0, dispatchId: nil, deadline: nil)),
            envelope(TaskNotice(noticeId: UUID(), kind: .reopened, caseId: caseId, caseNumber: "20261125-0001", departmentCode: "CGZF",
                                dispatchId: UUID(), at: now, deadline: now.addingTimeInterval(14_400), reason: "垃圾又堆起来了",
                                deadlineBasis: official)),
            envelope(CaseTransitioned(entry: TimelineEntry(caseId: caseId, sequence: 12, action: .returnVisit, from: .closed, to: .closed,
                                                           actorId: "hotline_12345", actorRole: .system, actorDepartment: nil, at: now,
                                                           department: "CGZF", reason: "垃圾又堆起来了",
                                                           details: ["visit_key": "hotline_12345:HV-20261125-7", "verdict": "dissatisfied",
                                                                     "route": "hotline", "visited_by": "agent-7"],
                                                           stoppedClock: nil, startedClock: nil),
                                      caseNumber: "20261125-0001", channel: .hotline12345, kind: .event, classCode: "0502",
                                      gridCode: "150102001001001", reporterId: nil)),
        ]
        all += channelNotices(caseId: caseId, now: now).map { envelope($0) }
        return all
    }

    /// One notice of each shape a hotline receives.
    func channelNotices(caseId: UUID, now: Date) -> [ChannelNotice] {
        func notice(_ kind: ChannelNoticeKind, _ sequence: Int, _ state: CaseState?, channel: ReportChannel = .hotline12345,
                    address: String = "12345") -> ChannelNotice {
            ChannelNotice(noticeId: UUID(), kind: kind, channel: channel, address: address, channelReference: "RX20261125-0137", caseId: caseId,
                          caseNumber: "20261125-0042", sequence: sequence, occurredAt: now, state: state)
        }
        let department = ChannelNotice.Department(code: "SZGY", name: "市政公用局")
        var linked = notice(.signedFor, 0, nil)
        linked.linkedCaseNumber = "20261125-0007"
        var dispatched = notice(.dispatched, 6, .inHandling)
        dispatched.department = department
        dispatched.deadline = now.addingTimeInterval(86_400)
        var extended = notice(.extended, 9, .inHandling)
        extended.department = department
        extended.deadline = now.addingTimeInterval(2 * 86_400)
        extended.previousDeadline = now.addingTimeInterval(86_400)
        extended.reason = "需订购专用井盖"
        var suspended = notice(.suspended, 11, .suspended)
        suspended.department = ChannelNotice.Department(code: "UTIL-X", name: nil)
        suspended.reason = "需市政府协调"
        var closed = notice(.closed, 16, .closed)
        closed.department = department
        closed.result = "已更换井盖"
        closed.photos = [Photo(url: "https://img.example/done.jpg", purpose: .completion)]
        var atOnce = notice(.closed, 2, .closed)
        atOnce.result = "已告知办理渠道"
        atOnce.photos = []
        var reopened = notice(.reopened, 19, .inHandling)
        reopened.department = department
        reopened.deadline = now.addingTimeInterval(3 * 86_400)
        reopened.reason = "井盖又松动了"
        var notAccepted = notice(.notAccepted, 3, .notAccepted)
        notAccepted.reason = "重复举报"
        var returned = notice(.returned, 3, .notAccepted, channel: .police110, address: "110")
        returned.reason = "邻里噪声纠纷"
        returned.reasonCode = .outsideCityManagement
        returned.competentBody = "辖区派出所"
        var linkedAfterLocating = notice(.linked, 4, nil)
        linkedAfterLocating.linkedCaseNumber = "20261125-0007"
        linkedAfterLocating.reason = "地址定位后与编号20261125-0007的案件同类、同地点：作为重复上报并入该案件办理"
        return [notice(.signedFor, 0, .reported), linked, notice(.filed, 5, .awaitingDispatch), dispatched, extended, suspended, closed, atOnce,
                reopened, notAccepted, returned, linkedAfterLocating]
    }

    @Test("every contract type, encoded as services encode it, validates against docs/asyncapi.yaml")
    func messagesValidate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-contracts-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (index, (key, data)) in samples().enumerated() {
            try data.write(to: folder.appendingPathComponent("\(index)-\(key).json"))
        }
        let (status, text) = try runTool(["python3", Self.root.appendingPathComponent("Tests/DocumentUnitTests/validate_messages.py").path,
                                          Self.root.appendingPathComponent("docs/asyncapi.yaml").path, folder.path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("\(samples().count) message(s) checked, 0 failing"), "\(text)")
        #expect(text.contains(" example(s) checked, 0 failing") && !text.contains("\n0 example(s)"), "\(text)")
        #expect(samples().count == 49)
    }

    @Test("each notice kind's schema holds: a notice without its kind's fields does not validate")
    func noticeKindsAreChecked() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-notices-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let caseId = UUID()
        var returned = ChannelNotice(noticeId: UUID(), kind: .returned, channel: .police110, address: "110", channelReference: "110-1",
                                     caseId: caseId, caseNumber: "20261125-0051", sequence: 3, occurredAt: now, state: .notAccepted)
        returned.reason = "邻里纠纷"
        returned.reasonCode = .outsideCityManagement  // but no competent body
        let dispatched = ChannelNotice(noticeId: UUID(), kind: .dispatched, channel: .hotline12345, address: "12345", channelReference: "RX-1",
                                       caseId: caseId, caseNumber: "20261125-0042", sequence: 6, occurredAt: now, state: .inHandling)  // no department, no deadline
        for (index, notice) in [returned, dispatched].enumerated() {
            let data = try MessageCoding.encoder().encode(Envelope(type: ChannelNotice.eventType, source: "/citygrid/test", time: now,
                                                                   subject: caseId.uuidString.lowercased(), data: notice))
            try data.write(to: folder.appendingPathComponent("\(index)-\(notice.routingKey).json"))
        }
        let (status, text) = try runTool(["python3", Self.root.appendingPathComponent("Tests/DocumentUnitTests/validate_messages.py").path,
                                          Self.root.appendingPathComponent("docs/asyncapi.yaml").path, folder.path])
        #expect(status == 1)
        #expect(text.contains("2 message(s) checked, 2 failing"), "\(text)")
    }
}
