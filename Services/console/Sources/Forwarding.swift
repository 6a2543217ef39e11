import CityGridModel
import CityGridPlatform
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird

/// Sends one request to a service and brings back its status, body and the few headers a page
/// needs. Cookies and caches are off: the console speaks for the user with the token only.
final class Forwarder: Sendable {
    let upstreams: [String: String]
    let session: URLSession

    init(upstreams: [String: String], timeoutSeconds: Double) {
        self.upstreams = upstreams
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: Data
    }

    /// Headers of a service's answer that reach the browser; the rest (server, date, length) the
    /// console sets itself.
    static let passedHeaders = ["Content-Type", "Content-Disposition", "Retry-After", "Location", "ETag", "Last-Modified"]

    func send(url: URL, method: String, token: String, contentType: String?, body: Data?) async throws(APIError) -> Answer {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let body, !body.isEmpty { request.httpBody = body }
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
            var headers: [(String, String)] = []
            for name in Self.passedHeaders {
                if let value = http.value(forHTTPHeaderField: name) { headers.append((name, value)) }
            }
            return Answer(status: http.statusCode, headers: headers, body: data)
        } catch {
            throw APIError(status: .badGateway, code: "upstream_unavailable",
                           message: "the \(url.host ?? "upstream") service did not answer (\(Self.reason(error)))")
        }
    }

    static func reason(_ error: any Error) -> String {
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return "timed out"
            case .cannotConnectToHost, .networkConnectionLost, .notConnectedToInternet: return "connection refused or lost"
            default: return "error \(urlError.code.rawValue)"
            }
        }
        return "transport error"
    }
}

/// `/api/<service>/<rest…>` → `<service base URL>/api/v1/<rest…>`, for the signed-in user.
struct ForwardRoutes {
    let console: Console

    /// Paths that read one case (`cases/{id or number}` on supervision, `reports/{caseId}` on
    /// intake): a 200 answer is recorded in the case-open audit.
    static func openedCase(service: String, segments: [String]) -> String? {
        guard segments.count == 2 else { return nil }
        switch (service, segments[0]) {
        case ("supervision", "cases") where !["counts", "near", "within"].contains(segments[1]): return segments[1]
        case ("intake", "reports"): return segments[1]
        default: return nil
        }
    }

    /// The path after `/api/<service>/`, split into raw segments; nil when a segment would
    /// leave `/api/v1/` on the service (`.`, `..`, encoded or not) or is empty.
    static func restSegments(_ path: String, service: String) -> [String]? {
        let prefix = "/api/\(service)/"
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        let segments = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !segments.isEmpty else { return nil }
        for segment in segments {
            let decoded = segment.removingPercentEncoding ?? segment
            if segment.isEmpty || decoded == "." || decoded == ".." || decoded.contains("/") || decoded.contains("\\") { return nil }
        }
        return segments
    }

    /// How much of a request body is read and forwarded: an evidence upload to supervision (a
    /// multipart photo or video) up to `CITYGRID_CONSOLE_UPLOAD_MAX_BYTES`, anything else up to
    /// the console's own body limit.
    static func bodyLimit(service: String, segments: [String], method: HTTPRequest.Method, settings: ConsoleSettings, otherwise: Int) -> Int {
        service == "supervision" && method == .post && segments == ["evidence"] ? max(settings.uploadMaxBytes, otherwise) : otherwise
    }

    func add(to router: ServiceRouter) {
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("/api/{service}/**", method: method) { request, context in try await forward(request, context) }
        }
    }

    func forward(_ request: Request, _ context: CityGridRequestContext) async throws -> Response {
        let service = context.parameters.get("service") ?? ""
        guard let base = console.settings.upstreams[service] else {
            throw APIError(status: .notFound, code: "unknown_service",
                           message: "no service '\(service)'; known: \(console.settings.upstreams.keys.sorted().joined(separator: ", "))")
        }
        guard let segments = Self.restSegments(request.uri.path, service: service) else {
            throw APIError.notFound("resource \(request.uri.path)")
        }
        let session = try await console.session(request, context: context, stateChanging: Console.isStateChanging(request.method))
        var target = base + "/api/v1/" + segments.joined(separator: "/")
        if let query = request.uri.query, !query.isEmpty { target += "?" + query }
        guard let url = URL(string: target) else { throw APIError.notFound("resource \(request.uri.path)") }

        // The token the services already accept, for this user only and for minutes: the browser
        // never holds one, and a stolen copy from a log is soon worthless.
        let now = console.env.clock.now()
        let token = console.env.tokens.issue(AccessToken(sub: session.user.id.uuidString.lowercased(), role: session.user.role,
                                                         scope: session.user.scope, iat: now.addingTimeInterval(-5),
                                                         exp: now.addingTimeInterval(Double(console.settings.forwardedTokenSeconds))))
        var body: Data?
        if Console.isStateChanging(request.method) {
            let limit = Self.bodyLimit(service: service, segments: segments, method: request.method, settings: console.settings,
                                       otherwise: context.maxUploadSize)
            do {
                body = Data(try await request.body.collect(upTo: limit).readableBytesView)
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                throw APIError(status: .contentTooLarge, code: "body_too_large", message: "the request body is larger than the console forwards (\(limit) bytes)")
            }
        }
        let answer = try await console.forwarder.send(url: url, method: request.method.rawValue, token: token,
                                                      contentType: request.headers[.contentType], body: body)
        if request.method == .get, answer.status == 200, let caseRef = Self.openedCase(service: service, segments: segments) {
            let user = session.user, address = Console.clientAddress(context)
            let decoded = caseRef.removingPercentEncoding ?? caseRef
            // Fail closed: a case shown without its audit row would be a hole in the record.
            do {
                try await console.env.pool.withConnection {
                    try AccountStore.recordCaseOpen(user: user, service: service, caseRef: decoded, address: address, on: $0)
                }
            } catch {
                console.env.logger.error("case-open audit not written", metadata: ["error": "\(error)", "case": "\(decoded)"])
                throw APIError(status: .serviceUnavailable, code: "audit_unavailable",
                               message: "the case cannot be shown because its opening could not be recorded; try again shortly")
            }
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
