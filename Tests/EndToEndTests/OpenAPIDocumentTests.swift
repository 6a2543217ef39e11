import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// The OpenAPI documents in docs/ are what clients code against: each must be valid OpenAPI 3,
/// each service must serve its own byte for byte at `GET /openapi.yaml` (scripts/embed-openapi
/// embeds it), and the routes a service registers must be exactly the documented operations. That the
/// documents are valid is checked without servers by the suite of the same name in DocumentUnitTests.
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

    /// The routes a service logged at start-up (`"message":"http routes"`, JSON log format).
    static func loggedRoutes(_ stderr: String) -> [String]? {
        for line in stderr.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["message"] as? String == "http routes" else { continue }
            return object["routes"] as? [String]
        }
        return nil
    }

    @Test("each service serves its document at GET /openapi.yaml and documents exactly the routes it registers")
    func servedDocumentsAndRoutes() async throws {
        let scratch = try await ScratchEnvironment.recreate("openapi")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("citygrid-openapi-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let binaries = TestEnvironment().binDirectory
        for (product, user) in Self.services {
            let expected = try Data(contentsOf: Self.document(product))
            var environment = [
                "CITYGRID_DB_URL": try scratch.databaseURL(user),
                // The route list is an info line; JSON so it can be read back.
                "CITYGRID_LOG_LEVEL": "info",
                "CITYGRID_LOG_FORMAT": "json",
            ]
            // The console uses no broker.
            if product != "console" { environment["CITYGRID_AMQP_URL"] = try scratch.amqpURL(user) }
            let service = try ServiceProcess(executable: binaries + "/" + product, port: testPort(), environment: environment)
            defer { service.kill9() }
            try await service.waitUntilReady(timeout: .seconds(60))

            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(service.port)/openapi.yaml")!)
            request.timeoutInterval = 10
            let (body, response) = try await URLSession.shared.data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 200, "\(product)")
            #expect(http.value(forHTTPHeaderField: "Content-Type") == "application/yaml", "\(product)")
            #expect(body == expected, "\(product) serves a stale copy of docs/openapi-\(product).yaml: run scripts/embed-openapi")

            service.terminate()
            _ = try await service.waitForExit()
            let routes = try #require(Self.loggedRoutes(service.collectStderr()), "\(product) logged no 'http routes' line")
            #expect(routes.contains("GET /openapi.yaml"), "\(product): \(routes)")
            let file = folder.appendingPathComponent("\(product).routes")
            try Data((routes.joined(separator: "\n") + "\n").utf8).write(to: file)
            let (status, text) = try Self.check(["routes", Self.document(product).path, file.path])
            #expect(status == 0, "\(product): \(text)")
            #expect(text.contains(", 0 problem(s)"), "\(product): \(text)")
        }
    }
}
