import CityGridModel
import Crypto
import Foundation
import Hummingbird

/// Whose data a token may see or act on.
public struct AccessScope: Codable, Sendable, Hashable, CustomStringConvertible {
    public enum Level: String, Codable, Sendable { case city, district, street, department }
    public var level: Level
    /// District (6 digits), street (9 digits) or department code; nil for `city`.
    public var code: String?

    public init(level: Level, code: String? = nil) {
        self.level = level
        self.code = code
    }

    public static let city = AccessScope(level: .city)

    /// Parses `city`, `district:150102`, `street:150102001`, `department:SZGY`.
    public init?(_ text: String) {
        if text == "city" { self.init(level: .city); return }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let level = Level(rawValue: parts[0]), level != .city, !parts[1].isEmpty else { return nil }
        self.init(level: level, code: parts[1])
    }

    public var description: String { code.map { "\(level.rawValue):\($0)" } ?? level.rawValue }

    /// Whether a thing located in `gridCode` (15 digits: district 6 + street 3 + …) is inside
    /// this scope. Department scopes cover no area.
    public func covers(gridCode: String?) -> Bool {
        switch level {
        case .city: return true
        case .district, .street: return gridCode.map { code.map($0.hasPrefix) ?? false } ?? false
        case .department: return false
        }
    }

    public func covers(department: String) -> Bool {
        level == .city || (level == .department && code == department)
    }
}

/// The claims of a bearer token.
public struct AccessToken: Codable, Sendable, Equatable {
    /// User or system id.
    public var sub: String
    public var role: Role
    public var scope: AccessScope
    public var iat: Date
    public var exp: Date

    public init(sub: String, role: Role, scope: AccessScope, iat: Date, exp: Date) {
        self.sub = sub
        self.role = role
        self.scope = scope
        self.iat = iat
        self.exp = exp
    }

    /// The actor for workflow commands.
    public var actor: CaseActor {
        CaseActor(id: sub, role: role, departmentCode: scope.level == .department ? scope.code : nil)
    }
}

/// Issues and verifies HMAC-SHA256 signed tokens: `cg1.<claims, base64url JSON>.<signature>`.
/// Every service verifies with the same secret (`CITYGRID_TOKEN_SECRET`); `citygrid token issue`
/// issues them.
public struct TokenAuthority: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey(data: Data(secret.utf8))
    }

    public func issue(_ token: AccessToken) -> String {
        let claims = Self.base64url(try! Self.encoder.encode(token))
        let signature = Self.base64url(Data(HMAC<SHA256>.authenticationCode(for: Data(("cg1." + claims).utf8), using: key)))
        return "cg1.\(claims).\(signature)"
    }

    public func verify(_ text: String, now: Date) throws(AccessError) -> AccessToken {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "cg1", let claims = Self.unbase64url(parts[1]), let signature = Self.unbase64url(parts[2]) else {
            throw .invalidToken("malformed token")
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(("cg1." + parts[1]).utf8), using: key) else {
            throw .invalidToken("bad signature")
        }
        guard let token = try? Self.decoder.decode(AccessToken.self, from: claims) else { throw .invalidToken("unreadable claims") }
        guard token.exp > now else { throw .invalidToken("token expired") }
        return token
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unbase64url(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }

    /// Reads the bearer token of a request; failures become 401 with a JSON body.
    public func authenticate(_ request: Request, now: Date) throws -> AccessToken {
        guard let header = request.headers[.authorization] else { throw AccessError.missingToken }
        guard header.hasPrefix("Bearer ") else { throw AccessError.invalidToken("expected 'Authorization: Bearer <token>'") }
        return try verify(String(header.dropFirst(7)), now: now)
    }
}

/// Authentication and authorisation failures. Out-of-scope reads answer 404 (not 403) so a
/// token cannot probe whether another district's case exists.
public enum AccessError: Error, CustomStringConvertible, Sendable {
    case missingToken
    case invalidToken(String)
    case forbidden(String)

    public var description: String {
        switch self {
        case .missingToken: return "missing bearer token"
        case .invalidToken(let why): return "invalid token: \(why)"
        case .forbidden(let why): return "forbidden: \(why)"
        }
    }
}

extension AccessError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self {
        case .missingToken, .invalidToken: return .unauthorized
        case .forbidden: return .forbidden
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let code: String
        switch self {
        case .missingToken: code = "missing_token"
        case .invalidToken: code = "invalid_token"
        case .forbidden: code = "forbidden"
        }
        var response = APIError(status: status, code: code, message: description).jsonResponse()
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"citygrid\"" }
        return response
    }
}
