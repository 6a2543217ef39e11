import Foundation
import TestSupport
import Testing

/// The OpenAPI documents in docs/ are what clients code against: each must be valid OpenAPI 3 and
/// its embedded copy current. That each service serves its own and registers exactly the documented
/// routes is checked on the real binaries by the suite of the same name in EndToEndTests.
@Suite("OpenAPI documents match the services", .serialized)
struct OpenAPIDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Product (binary and document name) and the database/AMQP user it runs as.
    static let services = [("intake", "INTAKE"), ("grid-routing", "ROUTING"), ("disposal", "DISPOSAL"),
                           ("supervision", "SUPERVISION"), ("assessment", "ASSESSMENT"), ("console", "CONSOLE")]

    static func document(_ product: String) -> URL { root.appendingPathComponent("docs/openapi-\(product).yaml") }

    /// Runs `Tests/EndToEndTests/openapi_check.py` and returns its exit status and output.
    static func check(_ arguments: [String]) throws -> (Int32, String) {
        try runTool(["python3", root.appendingPathComponent("Tests/EndToEndTests/openapi_check.py").path] + arguments)
    }

    @Test("every document is valid OpenAPI 3 and the embedded copies are current")
    func documentsAreValid() throws {
        let (status, text) = try Self.check(["validate"] + Self.services.map { Self.document($0.0).path })
        #expect(status == 0, "\(text)")
        #expect(text.contains("6 document(s) checked"), "\(text)")
        #expect(text.contains(", 0 failing"), "\(text)")

        let (embedStatus, stale) = try runTool(["python3", Self.root.appendingPathComponent("scripts/embed-openapi").path, "--check"])
        #expect(embedStatus == 0, "\(stale)")
    }
}
