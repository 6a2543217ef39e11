import CityGridModel
import Foundation
import Hummingbird

/// The error body every CityGrid HTTP API returns: `{"error": {"code", "message", "details"}}`,
/// where `details` lists field-level problems (`field`, `problem`). Routes throw it; anything
/// else thrown is turned into it by ``ErrorBodyMiddleware``, so a client parses one shape.
public struct APIError: Error, HTTPResponseError, Sendable {
    public struct FieldProblem: Codable, Sendable, Equatable {
        public var field: String
        public var problem: String
        public init(field: String, problem: String) {
            self.field = field
            self.problem = problem
        }
    }

    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [FieldProblem]

    public init(status: HTTPResponse.Status, code: String, message: String, details: [FieldProblem] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    /// 422 `validation_failed` listing every problem found, not just the first.
    public static func validation(_ details: [FieldProblem]) -> APIError {
        APIError(status: .unprocessableContent, code: "validation_failed",
                 message: "\(details.count) field(s) are invalid", details: details)
    }

    public static func validation(field: String, _ problem: String) -> APIError {
        validation([FieldProblem(field: field, problem: problem)])
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: "\(what) not found")
    }

    public static func conflict(_ code: String, _ message: String) -> APIError {
        APIError(status: .conflict, code: code, message: message)
    }

    public func jsonResponse() -> Response {
        struct Body: Encodable {
            struct Inner: Encodable {
                var code: String
                var message: String
                var details: [FieldProblem]
            }
            var error: Inner
        }
        let data = (try? MessageCoding.encoder().encode(Body(error: .init(code: code, message: message, details: details)))) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response { jsonResponse() }
}

extension APIError.FieldProblem {
    /// The one place a body that does not decode becomes a field problem: the field is the
    /// dotted path of the offending key (`location.longitude`, `photos[0]`), `body` for the
    /// document itself.
    public init(_ error: DecodingError) {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : "." + key.stringValue }
            }
            return text.isEmpty ? "body" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(field: path(context, key), problem: "is required")
        case .typeMismatch(let type, let context):
            self.init(field: path(context), problem: "must be \(Self.jsonName(of: type))")
        case .valueNotFound(let type, let context):
            self.init(field: path(context), problem: "must not be null (expected \(Self.jsonName(of: type)))")
        case .dataCorrupted(let context):
            // The root's corruption is JSON that does not parse at all.
            let field = path(context)
            self.init(field: field, problem: field == "body" ? "must be a JSON object" : context.debugDescription)
        @unknown default:
            self.init(field: "body", problem: "could not be read")
        }
    }

    /// What a Swift type is called in JSON terms, for a client who never saw the Swift code.
    static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Date.Type: return "an RFC 3339 date-time"
        case is UUID.Type: return "a UUID"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }
}

/// Turns whatever a route or the framework throws into the one error body: CityGrid's own errors
/// pass as they are; the framework's (413 body too large, 404 no such route, 405…) get a code;
/// anything unexpected is logged with the request id and answered 500 without internals. With a
/// ``RouteCatalogue``, a request that matches no route but names a served path answers 405 with
/// `Allow` listing the methods that path serves.
public struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteCatalogue?

    public init(routes: RouteCatalogue? = nil) {
        self.routes = routes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.jsonResponse()
        } catch let error as AccessError {
            return try error.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            if error.status == .notFound, let allowed = routes?.methods(at: request.uri.path), !allowed.isEmpty {
                var response = APIError(status: .methodNotAllowed, code: "method_not_allowed",
                                        message: "\(request.uri.path) does not answer \(request.method.rawValue); it answers \(allowed.joined(separator: ", "))")
                    .jsonResponse()
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            let status = error.status
            let code: String
            switch status {
            case .notFound: code = "not_found"
            case .methodNotAllowed: code = "method_not_allowed"
            case .contentTooLarge: code = "body_too_large"
            case .unsupportedMediaType: code = "unsupported_media_type"
            case .badRequest: code = "bad_request"
            default: code = status.code >= 500 ? "internal_error" : "request_refused"
            }
            let message: String
            switch status {
            case .notFound: message = "no such resource: \(request.method.rawValue) \(request.uri.path)"
            case .contentTooLarge: message = "the request body is larger than this service accepts (\(context.maxUploadSize) bytes)"
            default: message = status.reasonPhrase
            }
            var response = APIError(status: status, code: code, message: message).jsonResponse()
            if status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            }
            // Keep headers the framework attached (e.g. Allow on 405).
            if let framework = try? error.response(from: request, context: context) {
                for field in framework.headers where field.name != .contentType && field.name != .contentLength {
                    response.headers.append(field)
                }
            }
            return response
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)", "method": "\(request.method.rawValue)"])
            return APIError(status: .internalServerError, code: "internal_error",
                            message: "the request could not be completed; the service log has the cause").jsonResponse()
        }
    }
}
