import CityGridPlatform
import Foundation
import PGClient

/// The workbench's edge (工作台): signs staff in, keeps their sessions, serves the pages and the
/// vendor scripts, and forwards `/api/<service>/…` to the five services with a short-lived token
/// it mints for the signed-in user. It owns schema `console` and no case data, and uses no broker.
public enum ConsoleService {
    public static let descriptor = ServiceDescriptor(
        name: "console", schema: "console", messagingName: "console", defaultHTTPPort: 8080,
        migrations: ConsoleMigrations.all, usesBroker: false,
        build: { env in
            // Bad values stop the console at start, as the platform's own settings do.
            let settings = try ConsoleSettings.load(EnvironmentReader())
            let console = Console(env: env, settings: settings)
            env.logger.info("console settings", metadata: [
                "public": "\(settings.publicFolder)",
                "upstreams": "\(settings.upstreams.keys.sorted().map { "\($0)=\(settings.upstreams[$0]!)" }.joined(separator: " "))",
                "secure_cookies": "\(settings.secureCookies)",
            ])
            return ServiceParts(routes: { console.addRoutes(to: $0) })
        })
}
