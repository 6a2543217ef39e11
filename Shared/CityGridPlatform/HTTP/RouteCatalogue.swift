import Hummingbird
import Synchronization

/// The paths a router serves and the methods each answers, read from the router the first time
/// a request matches no route. With it a known path asked with a method it does not serve
/// answers 405 with `Allow` (what HTTP and the OpenAPI documents promise), and only a path that
/// is served by no method at all answers 404.
public final class RouteCatalogue: Sendable {
    /// One served path pattern, split into segments: a literal, `{name}` or `*` (any one
    /// segment), or `**` (the rest of the path).
    struct Entry: Sendable {
        var segments: [Substring]
        var methods: Set<String>
    }

    private let source: Mutex<(@Sendable () -> [(path: String, method: String)])?>
    private let entries = Mutex<[Entry]?>(nil)

    /// - Parameter routes: what the router serves, read when first needed (routes are added
    ///   after the middleware that consults the catalogue).
    public init(routes: (@Sendable () -> [(path: String, method: String)])? = nil) {
        source = Mutex(routes)
    }

    /// Attaches the router the catalogue describes. Held strongly: the application keeps only
    /// the responder the router builds, not the router, and the router lives as long as the
    /// process serves.
    public static func of<Context>(_ router: Router<Context>) -> RouteCatalogue {
        let box = RouterBox(router)
        return RouteCatalogue { box.routes() }
    }

    /// The methods served at `path`, sorted; empty when no route matches it in any method.
    public func methods(at path: String) -> [String] {
        let table = entries.withLock { cached -> [Entry] in
            if let cached { return cached }
            let routes = source.withLock { $0?() } ?? []
            var grouped: [String: Set<String>] = [:]
            for route in routes { grouped[route.path, default: []].insert(route.method) }
            let built = grouped.map { Entry(segments: Self.segments(of: $0.key), methods: $0.value) }
            cached = built
            return built
        }
        let parts = Self.segments(of: path)
        // As the router resolves a path: a literal segment wins over a capture, so
        // `/cases/within` is served by `/cases/within` alone, not also by `/cases/{id}`.
        var best: [Int] = []
        var found: Set<String> = []
        for entry in table where Self.matches(entry.segments, parts) {
            let rank = entry.segments.map(Self.rank)
            if rank.lexicographicallyPrecedes(best) { continue }
            if rank != best { best = rank; found = [] }
            found.formUnion(entry.methods)
        }
        return found.sorted()
    }

    static func segments(of path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        var index = 0
        for (position, segment) in pattern.enumerated() {
            if segment == "**" { return path.count >= position }
            guard index < path.count else { return false }
            if !matches(segment, path[index]) { return false }
            index += 1
        }
        return index == path.count
    }

    /// How specific a pattern segment is: a literal 3, text around a capture 2, a capture 1, a
    /// recursive wildcard 0.
    static func rank(_ segment: Substring) -> Int {
        if segment == "**" { return 0 }
        if segment == "*" || segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}")) { return 1 }
        return segment.contains("{") ? 2 : 3
    }

    /// One segment: a literal, `*` / `{name}` / `:name` (any), or a capture inside text
    /// (`requests.{format}`: the text around it, and something in its place).
    static func matches(_ segment: Substring, _ part: Substring) -> Bool {
        if segment == "*" || segment.hasPrefix(":") { return true }
        guard let open = segment.firstIndex(of: "{"), let close = segment[open...].firstIndex(of: "}") else { return segment == part }
        let prefix = segment[..<open], suffix = segment[segment.index(after: close)...]
        return part.count > prefix.count + suffix.count && part.hasPrefix(prefix) && part.hasSuffix(suffix)
    }
}

/// The router, read only once its routes are in place (on the first unmatched request).
private final class RouterBox<Context: RequestContext>: @unchecked Sendable {
    let router: Router<Context>
    init(_ router: Router<Context>) { self.router = router }

    func routes() -> [(path: String, method: String)] {
        router.routes.map { ($0.path.description, $0.method.rawValue) }
    }
}
