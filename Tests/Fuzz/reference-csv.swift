import CityGridModel
import Foundation

/// Fuzz target `reference-csv`: any text as a reference-data file, through the CSV layer every
/// table is read with and the parsers of the files read whole (channel coordinates, return
/// addresses). Each answers rows or errors naming line and field, never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReferenceCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let (table, errors) = CSVTable.parse(text, file: "fuzz.csv")
    for error in errors where error.line < 0 { fatalError("an error before the first line: \(error)") }
    _ = table
    _ = ChannelCoordinates.parse(text)
    _ = ReturnAddresses.parse(text)
    return 0
}
