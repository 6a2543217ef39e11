import CityGridPlatform
import Foundation

/// The console's own settings (`CITYGRID_CONSOLE_*`), read once at start; a bad value stops the
/// process with the variable named, like the platform's settings.
public struct ConsoleSettings: Sendable {
    /// The services the console forwards to, by the name in `/api/<service>/…`.
    public static let services: [(name: String, variable: String, devPort: Int)] = [
        ("intake", "INTAKE", 8081), ("grid-routing", "GRID_ROUTING", 8082), ("disposal", "DISPOSAL", 8083),
        ("supervision", "SUPERVISION", 8084), ("assessment", "ASSESSMENT", 8085),
    ]

    /// Base URL per service name, without a trailing slash (`http://127.0.0.1:8084`).
    public var upstreams: [String: String]
    public var upstreamTimeoutSeconds: Double = 30
    /// Adds `Secure` to the session cookie (on whenever the console is reached over HTTPS).
    public var secureCookies = false
    /// A session ends this long after sign-in, however busy.
    public var sessionAbsoluteSeconds = 12 * 3600
    /// A session ends after this long without a request.
    public var sessionIdleSeconds = 2 * 3600
    /// Lifetime of the bearer token minted per forwarded request, on the city's clock.
    public var forwardedTokenSeconds = 300
    /// Failed sign-ins allowed per login, and per client address, within the window.
    public var failuresPerLogin = 5
    public var failuresPerAddress = 20
    public var throttleWindowSeconds = 900
    /// scrypt cost as log2(N) for new password hashes (15: N = 32768, 32 MB with r = 8).
    public var scryptLogN = PasswordHasher.defaultLogN
    public var publicFolder: String
    public var leafletFolder = "/usr/share/javascript/leaflet"
    public var chartFolder = "/usr/share/javascript/chart.js"
    /// The largest evidence upload (`POST /api/supervision/evidence`, multipart) the console reads
    /// and forwards (`CITYGRID_CONSOLE_UPLOAD_MAX_BYTES`); supervision applies its own limits per type.
    public var uploadMaxBytes = 50_000_000 + 64 * 1024

    public init(upstreams: [String: String], publicFolder: String) {
        self.upstreams = upstreams
        self.publicFolder = publicFolder
    }

    public static func load(_ environment: EnvironmentReader) throws(ConfigurationError) -> ConsoleSettings {
        var upstreams: [String: String] = [:]
        for service in services {
            let variable = "CITYGRID_CONSOLE_UPSTREAM_\(service.variable)"
            var url = environment.string(variable, default: "http://127.0.0.1:\(service.devPort)")
            while url.hasSuffix("/") { url.removeLast() }
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""), components.host != nil,
                  components.path.isEmpty, components.query == nil else {
                throw ConfigurationError(variable: variable, problem: "must be an http(s)://host:port base URL without a path, got '\(url)'")
            }
            upstreams[service.name] = url
        }
        var settings = ConsoleSettings(upstreams: upstreams,
                                       publicFolder: environment.string("CITYGRID_CONSOLE_PUBLIC", default: defaultPublicFolder()))
        switch environment.string("CITYGRID_CONSOLE_SECURE_COOKIES", default: "false") {
        case "true": settings.secureCookies = true
        case "false": settings.secureCookies = false
        case let other: throw ConfigurationError(variable: "CITYGRID_CONSOLE_SECURE_COOKIES", problem: "must be true or false, got '\(other)'")
        }
        settings.upstreamTimeoutSeconds = try environment.double("CITYGRID_CONSOLE_UPSTREAM_TIMEOUT_SECONDS", default: 30, range: 1...600)
        settings.sessionAbsoluteSeconds = try environment.int("CITYGRID_CONSOLE_SESSION_SECONDS", default: 12 * 3600, range: 60...30 * 86_400)
        settings.sessionIdleSeconds = try environment.int("CITYGRID_CONSOLE_SESSION_IDLE_SECONDS", default: 2 * 3600,
                                                          range: 60...settings.sessionAbsoluteSeconds)
        settings.forwardedTokenSeconds = try environment.int("CITYGRID_CONSOLE_TOKEN_SECONDS", default: 300, range: 10...3600)
        settings.failuresPerLogin = try environment.int("CITYGRID_CONSOLE_FAILURES_PER_LOGIN", default: 5, range: 1...1000)
        settings.failuresPerAddress = try environment.int("CITYGRID_CONSOLE_FAILURES_PER_ADDRESS", default: 20, range: 1...100_000)
        settings.throttleWindowSeconds = try environment.int("CITYGRID_CONSOLE_THROTTLE_WINDOW_SECONDS", default: 900, range: 1...86_400)
        settings.scryptLogN = try environment.int("CITYGRID_CONSOLE_SCRYPT_LOG_N", default: PasswordHasher.defaultLogN,
                                                  range: PasswordHasher.allowedLogN)
        settings.uploadMaxBytes = try environment.int("CITYGRID_CONSOLE_UPLOAD_MAX_BYTES", default: settings.uploadMaxBytes,
                                                      range: 1_024...1_100_000_000)
        settings.leafletFolder = environment.string("CITYGRID_CONSOLE_VENDOR_LEAFLET", default: settings.leafletFolder)
        settings.chartFolder = environment.string("CITYGRID_CONSOLE_VENDOR_CHARTJS", default: settings.chartFolder)
        return settings
    }

    /// `Services/console/Public` of the checkout the binary was built in, else the image's
    /// `/usr/share/citygrid/console`.
    static func defaultPublicFolder() -> String {
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = url.appendingPathComponent("Services/console/Public")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            url.deleteLastPathComponent()
        }
        let cwd = FileManager.default.currentDirectoryPath + "/Services/console/Public"
        if FileManager.default.fileExists(atPath: cwd) { return cwd }
        return "/usr/share/citygrid/console"
    }
}
