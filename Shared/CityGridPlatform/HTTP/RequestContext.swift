import CityGridModel
import Foundation
import Hummingbird
import NIOCore

/// The request context of every CityGrid HTTP API. ``AccessMiddleware`` fills in who is asking
/// and how large a body may be; bodies decode and responses encode with the message coding
/// (RFC 3339 dates, sorted keys), so an API answer and a message about the same thing look alike.
public struct CityGridRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer of the connection (nil in router tests without a socket); the console audits
    /// sign-ins by it and throttles per address.
    public let remoteAddress: SocketAddress?
    /// Who is asking, as far as the bearer token says.
    public var access: Access = .anonymous
    /// The largest body this service reads (`CITYGRID_HTTP_MAX_BODY_BYTES`); larger ones answer 413.
    public var maxUploadSize: Int = HTTPSettings.defaultMaxBodyBytes

    public enum Access: Sendable {
        /// No `Authorization` header.
        case anonymous
        case verified(AccessToken)
        /// A token was presented and refused; a route that needs one answers with this reason.
        case refused(AccessError)
    }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var requestDecoder: MessageRequestDecoder { MessageRequestDecoder() }
    public var responseEncoder: MessageResponseEncoder { MessageResponseEncoder() }

    /// The verified token, or 401 with the reason. Routes that need a caller start with this.
    public func requireToken() throws(AccessError) -> AccessToken {
        switch access {
        case .verified(let token): return token
        case .anonymous: throw .missingToken
        case .refused(let error): throw error
        }
    }

    /// The verified token, and 403 unless its role is one of `roles`.
    public func requireToken(roles: Set<Role>, _ why: @autoclosure () -> String) throws(AccessError) -> AccessToken {
        let token = try requireToken()
        guard roles.contains(token.role) else { throw .forbidden(why()) }
        return token
    }

    /// A path parameter that must be a UUID; anything else is the thing not existing (404).
    public func uuidParameter(_ name: String, what: String) throws -> UUID {
        let text = parameters.get(name) ?? ""
        guard let id = UUID(uuidString: text) else { throw APIError.notFound("\(what) \(text)") }
        return id
    }
}

/// The HTTP settings every service shares.
public enum HTTPSettings {
    /// 1 MB: a report's JSON with its text and photo references is a few kB; photos themselves
    /// are uploaded elsewhere, never inline.
    public static let defaultMaxBodyBytes = 1_000_000
}

/// Verifies the bearer token once per request and records the outcome in the context; a route
/// decides whether it needs one (``CityGridRequestContext/requireToken()``), so public routes
/// (Open311, health) are untouched. Also applies the body-size setting.
public struct AccessMiddleware: RouterMiddleware {
    public typealias Context = CityGridRequestContext
    let tokens: TokenAuthority
    let clock: any CityClock
    let maxBodyBytes: Int

    public init(tokens: TokenAuthority, clock: any CityClock, maxBodyBytes: Int = HTTPSettings.defaultMaxBodyBytes) {
        self.tokens = tokens
        self.clock = clock
        self.maxBodyBytes = maxBodyBytes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = maxBodyBytes
        if request.headers[.authorization] != nil {
            do {
                context.access = .verified(try tokens.authenticate(request, now: clock.now()))
            } catch let error as AccessError {
                context.access = .refused(error)
            }
        }
        return try await next(request, context)
    }
}

/// Decodes JSON request bodies with the message coding. An empty body reads as `{}` (commands
/// without parameters need not send one); what does not decode is a 422 naming the field.
public struct MessageRequestDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try Self.decode(T.self, from: Data(buffer.readableBytesView))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(APIError) -> T {
        let blank = data.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        let withNUL = StorableText.fieldsWithNUL(inJSON: data)
        if !withNUL.isEmpty { throw .validation(withNUL.map { APIError.FieldProblem(field: $0, problem: StorableText.problem) }) }
        do {
            return try MessageCoding.decoder().decode(T.self, from: blank ? Data("{}".utf8) : data)
        } catch let error as DecodingError {
            throw .validation([APIError.FieldProblem(error)])
        } catch {
            throw .validation(field: "body", "must be a JSON object")
        }
    }
}

/// Encodes response values with the message coding.
public struct MessageResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let data = try MessageCoding.encoder().encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A JSON answer with a status and headers other than 200: `Reply(receipt, status: .created)`.
/// Plain 200 answers return the value itself (`ResponseEncodable`).
public struct Reply<Body: Encodable & Sendable>: ResponseGenerator, Sendable {
    public var body: Body
    public var status: HTTPResponse.Status
    public var headers: HTTPFields

    public init(_ body: Body, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.body = body
        self.status = status
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try MessageResponseEncoder().encode(body, from: request, context: context)
        response.status = status
        for field in headers { response.headers[field.name] = field.value }
        return response
    }
}

extension Request {
    /// Decodes the JSON body with the service's coding and size limit.
    public func decodeJSON<T: Decodable>(as type: T.Type, context: CityGridRequestContext) async throws -> T {
        try await context.requestDecoder.decode(T.self, from: self, context: context)
    }

    /// The raw body up to the service's size limit (for form-encoded Open311 posts).
    public func bodyText(context: CityGridRequestContext) async throws -> String {
        String(buffer: try await body.collect(upTo: context.maxUploadSize))
    }
}

extension CityGridRequestContext {
    /// The client's address as throttles and audits record it: the TCP peer's IP (behind a
    /// reverse proxy, the proxy's — see docs/console.md), nil in router tests without a socket.
    public var clientAddress: String? {
        guard let address = remoteAddress else { return nil }
        return address.ipAddress ?? address.pathname ?? "\(address)"
    }
}
