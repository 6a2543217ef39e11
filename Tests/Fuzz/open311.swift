import CityGridModel
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Fuzz target `open311`: any text as a GeoReport v2 form body (`Open311Form`), every parameter
/// then rendered back in both formats as intake renders its answers (`Open311Document`). The
/// form never crashes; the XML must parse as XML and the JSON as JSON, whatever the text held.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpen311(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let form = Open311Form(text)
    _ = try? form.refuseUnstorable()
    _ = form.attributes
    _ = form["description"]
    for (key, _) in form.pairs { _ = Open311Format.split(key) }
    let fields: [(String, Open311Value?)] = form.pairs.map { ("field", .text($0.0 + "=" + $0.1)) }
    let document = Open311Document(root: "service_requests", value: .list(element: "request", [.object(fields)]))
    let xml = document.render(.xml)
    let parser = XMLParser(data: Data(xml.utf8))
    if !parser.parse() { fatalError("rendered XML does not parse (\(String(describing: parser.parserError))): \(xml.debugDescription)") }
    let json = document.render(.json)
    if (try? JSONSerialization.jsonObject(with: Data(json.utf8))) == nil { fatalError("rendered JSON does not parse: \(json.debugDescription)") }
    return 0
}

/// The form's refusal names an HTTP status from Hummingbird, which this target does not link:
/// the same shape, standing in for it.
struct Open311Error: Error {
    struct Status { static let badRequest = Status() }
    init(_ status: Status, _ description: String) {}
}
