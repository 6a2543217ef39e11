import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import HummingbirdTesting
import PGClient

/// A service's routes in this process, in the same HTTP shell the binary builds, over a database
/// pool that points nowhere: a route test covers what a route decides before it reads or writes
/// (authentication, role and scope checks, parameter and body validation, error bodies). A route
/// that does reach the store answers 500 `internal_error` here, which such a test would see.
public struct InProcessRoutes: Sendable {
    public static let secret = "in-process-route-tests"
    public let env: ServiceEnvironment
    public let authority = TokenAuthority(secret: InProcessRoutes.secret)

    /// - Parameter now: the city's clock for the routes and the tokens.
    public init(service: String, now: Date = Date(timeIntervalSince1970: 1_795_000_000)) throws {
        let configuration = try ServiceConfiguration.load(service: service, defaultHTTPPort: 0, environment: EnvironmentReader([
            // Port 9 (discard) on loopback: nothing listens, so a stray store call fails at once.
            "CITYGRID_DB_URL": "postgresql://nobody@127.0.0.1:9/none?connect_timeout=1",
            "CITYGRID_AMQP_URL": "amqp://nobody:none@127.0.0.1:9/none",
            "CITYGRID_TOKEN_SECRET": Self.secret,
            "CITYGRID_REFERENCE_DATA": Self.referenceDataPath,
        ]))
        let clock = FixedClock(now)
        env = ServiceEnvironment(
            configuration: configuration,
            pool: PGPool(settings: PGSettings(url: configuration.databaseURL, applicationName: service, poolSize: 1, connectTimeoutSeconds: 1)),
            metrics: PlatformMetrics(service: service), health: HealthState(), logger: .init(label: "in-process.\(service)"),
            clock: clock, relayWake: WakeSignal(), schema: service, messagingName: service)
    }

    /// The repository's reference data, found from this source file (tests run from anywhere).
    public static var referenceDataPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Shared/reference-data").path
    }

    public static func reference() throws -> ReferenceData {
        try ReferenceData.load(from: URL(fileURLWithPath: referenceDataPath))
    }

    /// A bearer header for a token of `role` in `scope`, valid for an hour of the routes' clock.
    public func bearer(_ role: Role, _ scope: String = "city", sub: String = "test-user") -> HTTPFields {
        let now = env.clock.now()
        let token = AccessToken(sub: sub, role: role, scope: AccessScope(scope)!, iat: now, exp: now.addingTimeInterval(3600))
        return [.authorization: "Bearer \(authority.issue(token))"]
    }

    /// Runs `body` against the routes `add` registers, through the same shell a service uses.
    public func test<Value: Sendable>(_ add: (ServiceRouter) -> Void, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let router = HTTPShell.router(tokens: authority, clock: env.clock, maxBodyBytes: env.configuration.httpMaxBodyBytes)
        add(router)
        return try await Application(router: router).test(.router, body)
    }
}

/// A city clock that stands still.
public struct FixedClock: CityClock {
    public let instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { instant }
}

/// The one error body, read back.
public struct ErrorBody: Decodable, Sendable {
    public struct Inner: Decodable, Sendable {
        public var code: String
        public var message: String
        public var details: [APIError.FieldProblem]
    }
    public var error: Inner

    public var code: String { error.code }
    public var fields: [String] { error.details.map(\.field) }

    public init(_ response: TestResponse) throws {
        self = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
    }
}

extension TestClientProtocol {
    /// A JSON request: `body` is sent as given (so a test can send broken JSON).
    public func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], json body: String? = nil) async throws -> TestResponse {
        var fields = headers
        if body != nil { fields[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
    }
}
