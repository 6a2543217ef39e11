import CityGridModel
import Foundation
import Testing

// Messages written before photos were typed and before CaseFiled lost its copies of the report
// may still sit in queues, outboxes and routing's manual queue during an upgrade; they must decode.

@Suite("Message shapes across the photo and filing change")
struct PhotoAndFilingShapeTests {
    @Test("a photo is {url, purpose}; a bare URL string reads as a report photo")
    func photoShapes() throws {
        let decoder = JSONDecoder()
        #expect(try decoder.decode([Photo].self, from: Data(#"["https://a.example/1.jpg"]"#.utf8)) == [.report("https://a.example/1.jpg")])
        let typed = #"[{"url": "https://a.example/2.jpg", "purpose": "after"}]"#
        #expect(try decoder.decode([Photo].self, from: Data(typed.utf8)) == [Photo(url: "https://a.example/2.jpg", purpose: .after)])
        // An object must say why the photo was taken.
        #expect(throws: DecodingError.self) { try decoder.decode(Photo.self, from: Data(#"{"url": "https://a.example/3.jpg"}"#.utf8)) }
        let encoded = String(decoding: try JSONEncoder().encode(Photo.report("x")), as: UTF8.self)
        #expect(encoded.contains(#""purpose":"report""#))
    }

    @Test("an old-shape CaseFiled (with the report's copies) and an old CaseReported (URL strings) decode")
    func oldShapes() throws {
        let filed = """
            {"caseId": "6f1c1c2e-8e8e-4c1e-9a40-3d2f6c1d9b10", "caseNumber": "20261125-0042", "kind": "event", "classCode": "0502",
             "conditionId": "0502-01", "handlingLimit": {"value": 2, "unit": "natural_hours"}, "areaClass": "b", "gridCode": "150105002005003",
             "description": "d", "photos": ["https://a.example/1.jpg"], "filedAt": "2026-11-25T02:00:00.000Z",
             "excludedDepartments": [], "redispatch": null}
            """
        let decodedFiled = try MessageCoding.decoder().decode(CaseFiled.self, from: Data(filed.utf8))
        #expect(decodedFiled.conditionId == "0502-01")
        #expect(decodedFiled.handlingLimit == .naturalHours(2))

        let reported = """
            {"caseId": "6f1c1c2e-8e8e-4c1e-9a40-3d2f6c1d9b10", "caseNumber": "20261125-0042", "channel": "supervisor",
             "kind": "event", "classCode": "0502", "location": {"address": "x"}, "description": "d",
             "photos": ["https://a.example/1.jpg", "https://a.example/2.jpg"], "reportedAt": "2026-11-25T02:00:00.000Z",
             "requiresVerification": false}
            """
        let decodedReport = try MessageCoding.decoder().decode(CaseReported.self, from: Data(reported.utf8))
        #expect(decodedReport.photos.map(\.purpose) == [.report, .report])
    }
}

@Suite("text the stores can keep")
struct StorableTextTests {
    @Test("a NUL escape is found in any string; an escaped backslash before u0000 is text")
    func scan() {
        #expect(StorableText.jsonHasNUL(Array(#"{"a": "x\u0000y"}"#.utf8)))
        #expect(StorableText.jsonHasNUL(Array(#"{"a\u0000": 1}"#.utf8)))
        #expect(!StorableText.jsonHasNUL(Array(#"{"a": "x\\u0000y"}"#.utf8)))
        #expect(StorableText.jsonHasNUL(Array(#"{"a": "x\\\u0000y"}"#.utf8)))
        #expect(StorableText.jsonHasNUL(Array(#"{"a": "\u00001"}"#.utf8)))
        #expect(!StorableText.jsonHasNUL(Array(#"{"a": "\u0001 \n \u2028"}"#.utf8)))
        #expect(!StorableText.jsonHasNUL(Array(#"{"a": "ends with \"#.utf8)))
    }

    @Test("the fields holding a NUL are named by their path")
    func paths() {
        let json = #"{"data": {"description": "x\u0000", "photos": [{"url": "ok"}, {"url": "\u0000"}]}, "type": "t"}"#
        #expect(StorableText.fieldsWithNUL(inJSON: Data(json.utf8)) == ["data.description", "data.photos[1].url"])
        #expect(StorableText.fieldsWithNUL(inJSON: Data(#"{"a": "fine"}"#.utf8)).isEmpty)
        #expect(StorableText.fieldsWithNUL(inJSON: Data(#"["\u0000"]"#.utf8)) == ["body[0]"])
    }
}
