import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

/// A GeoReport v2 failure: HTTP status plus the spec's error list.
struct Open311Error: Error {
    var status: HTTPResponse.Status
    var errors: [(code: Int, description: String)]

    init(_ status: HTTPResponse.Status, _ description: String) {
        self.status = status
        self.errors = [(Int(status.code), description)]
    }

    init(_ status: HTTPResponse.Status, errors: [(code: Int, description: String)]) {
        self.status = status
        self.errors = errors
    }
}

/// Open311 GeoReport v2 under `/open311/v2`: discovery, services, service definitions,
/// requests (create, search, one) and tokens, in XML and JSON by URL suffix. Reads are public;
/// creating a request needs an api_key from `intake.open311_keys`.
enum Open311Routes {
    static let base = "/open311/v2"

    static func add(to router: ServiceRouter, intake: Intake) {
        let catalogue = Open311Catalogue(reference: intake.reference)
        // One route per document resource (`discovery.{format}`, …), as the OpenAPI document lists
        // them: a method a resource does not serve answers 405 with its own `Allow`.
        router.get("\(base)/discovery.{format}") { request, context -> Response in
            try await respond(file: "discovery." + (context.parameters.get("format") ?? "")) { _, _ in (.ok, discovery(request: request)) }
        }
        router.get("\(base)/services.{format}") { _, context -> Response in
            try await respond(file: "services." + (context.parameters.get("format") ?? "")) { _, _ in (.ok, catalogue.serviceList) }
        }
        router.get("\(base)/requests.{format}") { request, context -> Response in
            try await respond(file: "requests." + (context.parameters.get("format") ?? "")) { _, _ in
                (.ok, try await Open311Requests.search(intake: intake, catalogue: catalogue, query: Open311Form(request.uri.query ?? "")))
            }
        }
        router.get("\(base)/services/{file}") { _, context -> Response in
            try await respond(file: context.parameters.get("file")) { code, _ in
                guard let service = catalogue.service(code) else { throw Open311Error(.notFound, "service_code '\(code)' not found") }
                return (.ok, catalogue.definition(service))
            }
        }
        router.get("\(base)/requests/{file}") { _, context -> Response in
            try await respond(file: context.parameters.get("file")) { id, _ in
                let found = try await Open311Requests.fetch(intake: intake, catalogue: catalogue, ids: [id])
                guard !found.isEmpty else { throw Open311Error(.notFound, "service_request_id '\(id)' not found") }
                return (.ok, Open311Requests.document(found))
            }
        }
        router.get("\(base)/tokens/{file}") { _, context -> Response in
            try await respond(file: context.parameters.get("file")) { token, _ in
                let number = try await intake.env.pool.withConnection { c in try Open311Store.caseNumber(token: token, connection: c) }
                guard let number else { throw Open311Error(.notFound, "token '\(token)' not found") }
                return (.ok, Open311Document(root: "service_requests", value: .list(element: "request", [
                    .object([("service_request_id", .text(number)), ("token", .text(token))]),
                ])))
            }
        }
        router.post("\(base)/requests.{format}") { request, context -> Response in
            try await respond(file: "requests." + (context.parameters.get("format") ?? "")) { _, _ in
                let body = try await request.bodyText(context: context)
                return (.created, try await Open311Requests.create(intake: intake, catalogue: catalogue, form: Open311Form(body)))
            }
        }
    }

    /// Resolves the format suffix and renders the result or the error in that format.
    static func respond(file: String?, _ body: (String, Open311Format) async throws -> (HTTPResponse.Status, Open311Document)) async throws -> Response {
        guard let file, let (name, format) = Open311Format.split(file) else {
            return render(Open311Document.errors([(404, "unknown format; use the .xml or .json suffix")]), .json, status: .notFound)
        }
        do {
            let (status, document) = try await body(name, format)
            return render(document, format, status: status)
        } catch let error as Open311Error {
            return render(Open311Document.errors(error.errors), format, status: error.status)
        } catch {
            // The spec answers 400 for every general failure, including an unreachable back end.
            return render(Open311Document.errors([(400, "request could not be processed: \(error)")]), format, status: .badRequest)
        }
    }

    static func render(_ document: Open311Document, _ format: Open311Format, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: format.contentType],
                 body: .init(byteBuffer: ByteBuffer(string: document.render(format))))
    }

    static func discovery(request: Request) -> Open311Document {
        let host = request.head.authority ?? "localhost:8081"
        let formats: Open311Value = .list(element: "format", [.text("text/xml"), .text("application/json")])
        return Open311Document(root: "discovery", value: .object([
            ("changeset", .text("2026-11-25T00:00:00Z")),
            ("contact", .text("CityGrid supervision and command centre (数字化城市管理监督指挥中心)")),
            ("key_service", .text("API keys are issued by the centre; reads need no key.")),
            ("endpoints", .list(element: "endpoint", [.object([
                ("specification", .text("http://wiki.open311.org/GeoReport_v2")),
                ("url", .text("http://\(host)\(base)")),
                ("changeset", .text("2026-11-25T00:00:00Z")),
                ("type", .text("production")),
                ("formats", formats),
            ])])),
        ]))
    }
}
