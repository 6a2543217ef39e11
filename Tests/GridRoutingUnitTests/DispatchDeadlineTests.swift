import CityGridModel
import CityGridPlatform
import Foundation
@testable import GridRoutingService
import Testing

/// The handling deadline a dispatch carries: counted on the live calendar, with its basis, and
/// what happens when the count needs a year the calendar does not cover.
@Suite("Dispatch deadline and basis")
struct DispatchDeadlineTests {
    let core = RoutingCore(reference: Reference.data)

    func at(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }

    @Test func aDeadlineInsideOneYearNamesThatYearAndItsNotice() throws {
        let due = try core.handlingDeadline(from: try at("2026-06-01T10:00:00+08:00"), limit: .workingHours(8))
        #expect(due.at == (try at("2026-06-02T10:00:00+08:00")))
        #expect(due.basis.kind == .workingCalendar)
        #expect(due.basis.years.map(\.year) == [2026])
        #expect(due.basis.years.first?.standing == .official)
        #expect(due.basis.years.first?.notice == "国办发明电〔2025〕7号")
        #expect(!due.basis.isProvisional)
        #expect(due.basis == Reference.data.calendar.basis(from: try at("2026-06-01T10:00:00+08:00"), to: due.at))
    }

    @Test func aDeadlineIntoAYearWithoutNoticeIsProvisional() throws {
        let due = try core.handlingDeadline(from: try at("2026-12-30T10:00:00+08:00"), limit: TimeLimit(5, .workingDays))
        #expect(due.basis.years.map(\.year) == [2026, 2027])
        #expect(due.basis.years.map(\.standing) == [.official, .provisional])
        #expect(due.basis.years.last?.notice == nil)
        #expect(due.basis.isProvisional)
    }

    @Test func urgentLimitsAreNaturalTime() throws {
        let start = try at("2026-10-01T22:00:00+08:00")
        let due = try core.handlingDeadline(from: start, limit: TimeLimit(2, .naturalHours))
        #expect(due.at == start.addingTimeInterval(7_200))
        #expect(due.basis == .naturalTime)
    }

    @Test func aCountPastTheHorizonCanNeverBeCounted() throws {
        do {
            _ = try core.handlingDeadline(from: try at("2099-12-31T10:00:00+08:00"), limit: TimeLimit(3, .workingDays))
            Issue.record("expected a calendar failure")
        } catch RoutingCore.DispatchFailure.calendar(let year, let coverable) {
            #expect(year == WorkingCalendar.horizonYear + 1)
            #expect(!coverable)
            let reason = RoutingCore.DispatchFailure.calendar(year: year, coverable: coverable).description
            #expect(reason.contains("beyond the working calendar's horizon (\(WorkingCalendar.horizonYear))"), "\(reason)")
            #expect(reason.contains("can never be counted"), "\(reason)")
        }
    }

    @Test func aYearBeforeTheRulesWaitsForItsNotice() throws {
        do {
            _ = try core.handlingDeadline(from: try at("2024-06-03T10:00:00+08:00"), limit: .workingHours(8))
            Issue.record("expected a calendar failure")
        } catch RoutingCore.DispatchFailure.calendar(let year, let coverable) {
            #expect(year == 2024)
            #expect(coverable)
            let reason = RoutingCore.DispatchFailure.calendar(year: year, coverable: coverable).description
            #expect(reason.contains("import calendar/2024.csv"), "\(reason)")
        }
    }

    @Test func manualDispatchAnswersACalendarGapWithA409() {
        let error = ManualDispatchRoutes.apiError(.calendar(year: 2100, coverable: false))
        #expect(error.status == .conflict)
        #expect(error.code == "calendar_not_covered")
        #expect(error.message.contains("2100"))
        let unknown = ManualDispatchRoutes.apiError(.unknownDepartment("NOPE"))
        #expect(unknown.status == .unprocessableContent)
        #expect(unknown.details.map(\.field) == ["departmentCode"])
    }
}
