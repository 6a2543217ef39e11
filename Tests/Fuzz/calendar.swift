import CityGridModel
import Foundation

/// Fuzz target `calendar`: any text as the working-calendar file an operator imports
/// (`citygrid calendar import`), for a fixed year and for any. A calendar or a list of errors,
/// never a crash; a calendar that loads is of the year asked for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCalendar(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let zone = TimeZone(identifier: "Asia/Shanghai")!
    if case .success(let year) = OfficialYearFile.parse(text, file: "2027.csv", expectedYear: 2027, timeZone: zone), year.year != 2027 {
        fatalError("asked for 2027, loaded \(year.year)")
    }
    _ = OfficialYearFile.parse(text, file: "calendar.csv", timeZone: zone)
    return 0
}
