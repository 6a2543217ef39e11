import Foundation
import Hummingbird
import PGClient

/// `/health/live`, `/health/ready` and `/metrics`, the same on every service.
enum HealthRoutes {
    static func add(to router: ServiceRouter, pool: PGPool, health: HealthState, metrics: PlatformMetrics, service: String) {
        router.get("/health/live") { _, _ in
            json(["status": "live", "service": service])
        }
        router.get("/health/ready") { _, _ -> Response in
            var checks: [String: [String: Any]] = [:]
            var ready = true
            do {
                try await pool.ping()
                checks["database"] = ["ok": true]
            } catch {
                ready = false
                checks["database"] = ["ok": false, "detail": "\(error)"]
            }
            for (name, check) in health.snapshot {
                checks[name] = ["ok": check.ok, "detail": check.detail]
                if !check.ok { ready = false }
            }
            // Warnings never make a service unready; they ride along for operators and monitoring.
            let warnings = health.warningSnapshot
            for (name, detail) in warnings {
                checks[name, default: ["ok": true]]["warning"] = detail
            }
            var body: [String: Any] = ["status": ready ? "ready" : "not_ready", "service": service, "checks": checks]
            if !warnings.isEmpty { body["warnings"] = warnings.keys.sorted().map { "\($0): \(warnings[$0]!)" } }
            var response = json(body)
            response.status = ready ? .ok : .serviceUnavailable
            return response
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }

    static func json(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Counts requests and error responses.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: PlatformMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        metrics.httpRequests.increment()
        do {
            let response = try await next(request, context)
            if response.status.code >= 400 { metrics.httpErrors.increment() }
            return response
        } catch {
            metrics.httpErrors.increment()
            throw error
        }
    }
}
