import BlockingThread
import CityGridPlatform
import Foundation
import Hummingbird

/// The pages (`Services/console/Public` at `/`) and Debian's vendor scripts (`/vendor/<name>/…`
/// from `/usr/share/javascript/<name>`), never copied into the repository. Every path is confined
/// to its folder: segments `.`/`..` (encoded or not), hidden names and backslashes are refused.
struct StaticFiles: Sendable {
    let publicFolder: String
    /// URL name → installed folder (`leaflet` → `/usr/share/javascript/leaflet`).
    let vendors: [String: String]

    enum Resolution: Equatable {
        /// A file path inside one of the folders.
        case file(String)
        /// Under `/vendor/` without a known folder, or a segment that could leave its folder: 404.
        case notFound
        /// Not a static path; the routes decide.
        case notStatic
    }

    func resolve(_ path: String) -> Resolution {
        guard path.hasPrefix("/") else { return .notStatic }
        if path == "/" { return .file(publicFolder + "/index.html") }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var decoded: [String] = []
        for segment in segments {
            guard let plain = segment.removingPercentEncoding, !plain.isEmpty, !plain.hasPrefix("."), !plain.contains("/"),
                  !plain.contains("\\"), !plain.contains("\0") else {
                return .notFound
            }
            decoded.append(plain)
        }
        if decoded.first == "vendor" {
            guard decoded.count >= 3, let root = vendors[decoded[1]] else { return .notFound }
            return .file(Self.join(root, decoded.dropFirst(2)))
        }
        return .file(Self.join(publicFolder, decoded[...]))
    }

    static func join(_ root: String, _ segments: ArraySlice<String>) -> String {
        (root.hasSuffix("/") ? String(root.dropLast()) : root) + "/" + segments.joined(separator: "/")
    }

    static func contentType(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json", "map": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        case "txt": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}

/// Serves GET/HEAD of static paths before the routes see them; a file that is not there passes
/// on (so `/session` and `/api/…` stay routes) except under `/vendor/`, which answers 404.
struct StaticFilesMiddleware: RouterMiddleware {
    typealias Context = CityGridRequestContext
    let files: StaticFiles
    /// File reads block; they run on this thread (the console's), not on Swift's cooperative pool.
    let reader: BlockingThread

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        let path = request.uri.path
        // The console's own endpoints are never files: they go straight to the routes.
        if path.hasPrefix("/api/") || path.hasPrefix("/console/") || path == "/session" || path.hasPrefix("/health/") || path == "/metrics"
            || path == "/openapi.yaml" {
            return try await next(request, context)
        }
        switch files.resolve(path) {
        case .notStatic:
            return try await next(request, context)
        case .notFound:
            throw APIError.notFound("file \(path)")
        case .file(let file):
            let data: Data? = try? await reader.run {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
                return FileManager.default.contents(atPath: file)
            }
            guard let data else {
                if path.hasPrefix("/vendor/") { throw APIError.notFound("file \(path)") }
                return try await next(request, context)
            }
            var headers: HTTPFields = [.contentType: StaticFiles.contentType(file)]
            // Pages change with each deploy; the vendor files only with a package upgrade.
            headers[.cacheControl] = path.hasPrefix("/vendor/") ? "public, max-age=86400" : "no-cache"
            return Response(status: .ok, headers: headers,
                            body: request.method == .head ? .init() : .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
