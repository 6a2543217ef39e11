import CityGridModel
import CityGridPlatform
import Foundation
import Testing

// The calendar ahead of the city's today, pure: the outlook that raises the warning. The real
// service raising it on an injected clock is CalendarWatchTests (PlatformIntegrationTests), which
// imports the same made-up 2027 notice.

/// `Shared/reference-data` of this repository.
private let referencePath = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Shared/reference-data").path

private let shipped: Result<ReferenceData, any Error> = Result { try ReferenceData.load(from: URL(fileURLWithPath: referencePath)) }

/// A made-up notice for 2027 (bridging days at Spring Festival, Labour Day and National Day, with
/// make-up Saturdays and Sundays), the file an operator would import.
private let notice2027: String = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/calendar/2027-example-notice.csv")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
}()

@Suite("Calendar outlook")
struct CalendarOutlookTests {
    func calendar() throws -> WorkingCalendar { try shipped.get().calendar }

    func official2027() throws -> CalendarYear {
        try OfficialYearFile.parse(notice2027, file: "calendar/2027.csv", expectedYear: 2027, timeZone: try calendar().timeZone).get()
    }

    @Test("on 31 October a provisional next year is not yet a warning")
    func beforeNovember() throws {
        let outlook = CalendarOutlook(calendar: try calendar(), today: CivilDate(iso: "2026-10-31")!)
        print("  2026-10-31: \(outlook)")
        #expect(outlook.warning == nil)
        #expect(outlook.provisionalDaysAhead == 304)  // 1 January to 31 October 2027
        #expect(outlook.daysUntilProvisional == 62)
    }

    @Test("from 1 November it is: the warning names 2027, and the provisional days ahead are counted")
    func fromNovember() throws {
        let outlook = CalendarOutlook(calendar: try calendar(), today: CivilDate(iso: "2026-11-01")!)
        print("  2026-11-01: \(outlook)")
        let warning = try #require(outlook.warning)
        #expect(warning.contains("2027 is provisional"))
        #expect(warning.contains("citygrid calendar import"))
        #expect(outlook.provisionalDaysAhead == 305)  // 1 January to 1 November 2027
        #expect(outlook.daysUntilProvisional == 61)
    }

    @Test("with an official 2027 loaded there is no warning")
    func officialNextYear() throws {
        let outlook = CalendarOutlook(calendar: try calendar().replacing(try official2027()), today: CivilDate(iso: "2026-11-01")!)
        print("  2026-11-01 with 2027 official: \(outlook)")
        #expect(outlook.warning == nil)
        #expect(outlook.provisionalDaysAhead == 0)
        #expect(outlook.daysUntilProvisional == 61 + 365)  // 2028
    }

    @Test("a provisional current year is a warning whatever the month")
    func provisionalToday() throws {
        let outlook = CalendarOutlook(calendar: try calendar(), today: CivilDate(iso: "2027-03-01")!)
        #expect(outlook.warning?.contains("2027 is provisional") == true)
        #expect(outlook.daysUntilProvisional == 0)
    }
}
