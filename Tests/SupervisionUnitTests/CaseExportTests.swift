import CityGridModel
import Foundation
@testable import SupervisionService
import Testing

/// The export's rows, CSV cells and GeoJSON features (pure, no I/O).
@Suite("Case export rendering")
struct CaseExportTests {
    static let reportedAt = RFC3339.parse("2026-11-25T01:55:00Z")!

    static func stored(description: String = "我叫王小明，电话 13912345678，路口井盖丢了", lon: Double? = 111.6801, lat: Double? = 40.8330) -> StoredCase {
        let report = CaseReported(caseId: UUID(), caseNumber: "20261125-0042", channel: .hotline12345, channelReference: "RX-1",
                                  reporterId: "citizen-9", reporterContact: "13912345678", kind: .component, classCode: "0101",
                                  conditionId: "0101-01", componentCode: nil,
                                  location: ReportedLocation(longitude: lon, latitude: lat, address: "新华大街1号 联系人：李四"),
                                  description: description, photos: [], reportedAt: reportedAt, requiresVerification: true,
                                  selfHandled: nil, handledAtIntake: nil)
        var facts = CaseFacts(report: report)
        facts.gridCode = "150102001001001"
        facts.communityCode = "150102001001"
        facts.streetCode = "150102001"
        facts.districtCode = "150102"
        var record = CaseRecord(id: UUID(uuidString: "3f0c0000-0000-4000-8000-000000000001")!, caseNumber: "20261125-0042",
                                state: .closed, reportedAt: reportedAt)
        record.currentDepartment = "SZGY"
        record.filedAt = reportedAt.addingTimeInterval(600)
        record.closedAt = reportedAt.addingTimeInterval(86_400)
        record.reworkCount = 1
        return StoredCase(facts: facts, record: record, duplicateCount: 2)
    }

    func cell(_ values: [CaseExport.Value], _ column: String) -> CaseExport.Value {
        values[CaseExport.columns.firstIndex(of: column)!]
    }

    @Test("a row: one value per column; no reporter, contact or ticket number; the citizen's words masked")
    func row() {
        let values = CaseExport.values(of: Self.stored())
        #expect(values.count == CaseExport.columns.count)
        #expect(cell(values, "number") == .text("20261125-0042") && cell(values, "state") == .text("closed"))
        #expect(cell(values, "department_code") == .text("SZGY") && cell(values, "duplicate_count") == .integer(2))
        #expect(cell(values, "reported_at") == .text("2026-11-25T01:55:00.000Z") && cell(values, "accepted_at") == .none)
        #expect(cell(values, "rework_count") == .integer(1) && cell(values, "overdue_marked") == .flag(false))
        #expect(cell(values, "description") == .text("我叫王**，电话 139****5678，路口井盖丢了"))
        #expect(cell(values, "address") == .text("新华大街1号 联系人：李**"))
        #expect(!CaseExport.columns.contains { $0.contains("reporter") || $0.contains("contact") || $0.contains("reference") })
        let line = CaseExport.csvLine(values)
        #expect(!line.contains("citizen-9") && !line.contains("RX-1") && !line.contains("13912345678"))
    }

    @Test("CSV: a BOM and the header; cells quoted only when needed, quotes doubled, formulas defused")
    func csv() {
        #expect(CaseExport.csvHead.hasPrefix("\u{FEFF}number,id,channel,"))
        #expect(CaseExport.csvHead.hasSuffix("address,description\r\n"))
        #expect(CaseExport.csvCell(.text("井盖")) == "井盖")
        #expect(CaseExport.csvCell(.text("a,b")) == "\"a,b\"")
        #expect(CaseExport.csvCell(.text("他说\"快来\"")) == "\"他说\"\"快来\"\"\"")
        #expect(CaseExport.csvCell(.text("两行\n文字")) == "\"两行\n文字\"")
        #expect(CaseExport.csvCell(.text("=HYPERLINK(\"x\")")) == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CaseExport.csvCell(.text("-1")) == "\"'-1\"")
        #expect(CaseExport.csvCell(.none) == "" && CaseExport.csvCell(.flag(true)) == "true" && CaseExport.csvCell(.number(111.5)) == "111.5")
        let line = CaseExport.csvLine(CaseExport.values(of: Self.stored(description: "有逗号, 和\"引号\"")))
        #expect(line.hasSuffix("\"有逗号, 和\"\"引号\"\"\"\r\n"))
    }

    @Test("GeoJSON: a Point in longitude, latitude order, or a null geometry; properties parse back as JSON")
    func geoJSON() throws {
        let feature = CaseExport.geoJSONFeature(CaseExport.values(of: Self.stored(description: "控制字符\u{01}与\"引号\"\\")))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(feature.utf8)) as? [String: Any])
        let geometry = try #require(object["geometry"] as? [String: Any])
        #expect(geometry["type"] as? String == "Point" && geometry["coordinates"] as? [Double] == [111.6801, 40.833])
        let properties = try #require(object["properties"] as? [String: Any])
        #expect(properties["number"] as? String == "20261125-0042" && properties["longitude"] == nil)
        #expect(properties["description"] as? String == "控制字符\u{01}与\"引号\"\\")
        #expect(properties["accepted_at"] is NSNull && properties["duplicate_count"] as? Int == 2)
        let unlocated = CaseExport.geoJSONFeature(CaseExport.values(of: Self.stored(lon: nil, lat: nil)))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(unlocated.utf8)) as? [String: Any])
        #expect(parsed["geometry"] is NSNull)
        let collection = CaseExport.geoJSONHead + feature + ",\n" + unlocated + CaseExport.geoJSONTail
        let all = try #require(try JSONSerialization.jsonObject(with: Data(collection.utf8)) as? [String: Any])
        #expect(all["type"] as? String == "FeatureCollection" && (all["features"] as? [Any])?.count == 2)
    }
}
