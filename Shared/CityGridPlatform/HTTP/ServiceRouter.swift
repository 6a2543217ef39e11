import CityGridModel
import Hummingbird

/// The router every service's routes are added to.
public typealias ServiceRouter = Router<CityGridRequestContext>

/// Builds the one HTTP shell: error bodies, token verification and body limits around whatever
/// routes a service adds. The running service and the in-process route tests build it the same way.
public enum HTTPShell {
    public static func router(tokens: TokenAuthority, clock: any CityClock, maxBodyBytes: Int = HTTPSettings.defaultMaxBodyBytes,
                              metrics: PlatformMetrics? = nil) -> ServiceRouter {
        let router = Router(context: CityGridRequestContext.self)
        // Order matters: middleware wraps the routes added after it. Metrics see the final status,
        // including errors already turned into bodies.
        if let metrics { router.add(middleware: MetricsMiddleware<CityGridRequestContext>(metrics: metrics)) }
        router.add(middleware: ErrorBodyMiddleware<CityGridRequestContext>(routes: RouteCatalogue.of(router)))
        router.add(middleware: ReadSourceMiddleware<CityGridRequestContext>())
        router.add(middleware: AccessMiddleware(tokens: tokens, clock: clock, maxBodyBytes: maxBodyBytes))
        return router
    }
}
