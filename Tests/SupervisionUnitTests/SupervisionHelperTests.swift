import Foundation
@testable import SupervisionService
import Testing

/// Pure helpers, no I/O.
@Suite("Supervision helpers")
struct SupervisionHelperTests {
    @Test("cursor round-trips and rejects garbage")
    func cursor() {
        let id = UUID()
        let text = SupervisionAPI.encodeCursor(at: "2026-11-25 10:00:00.123456+00", id: id)
        let decoded = SupervisionAPI.decodeCursor(text)
        #expect(decoded?.0 == "2026-11-25 10:00:00.123456+00")
        #expect(decoded?.1 == id)
        #expect(SupervisionAPI.decodeCursor("!!!") == nil)
    }

    @Test("search texts without a cased letter compare with LIKE; any cased letter keeps ILIKE")
    func uncasedSearchText() {
        for text in ["立交", "东二环南路12号", "20251205-0452", "（井盖）", "123"] {
            #expect(CaseQueryStore.isUncased(text), "\(text)")
        }
        for text in ["ab", "立交A", "Ǆ", "ß", "ı", "É路", "σ"] {
            #expect(!CaseQueryStore.isUncased(text), "\(text)")
        }
    }

    @Test("the served OpenAPI document is docs/openapi-supervision.yaml")
    func openAPIMatchesDocs() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi-supervision.yaml")
        let text = try String(contentsOf: docs, encoding: .utf8)
        // Byte for byte: scripts/embed-openapi keeps even the final newline.
        #expect(SupervisionOpenAPI.yaml == text, "run scripts/embed-openapi")
    }
}
