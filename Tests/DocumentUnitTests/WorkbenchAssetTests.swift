import ConsoleService
import Foundation
import TestSupport
import Testing

/// The workbench's files, checked without any server: no third-party library is copied into the
/// repository (Leaflet and Chart.js come from Debian's packages, served by the console under
/// `/vendor/`), and every label the pages ask for is in both message catalogues.
@Suite("workbench assets: no vendored libraries, /vendor/ from Debian, complete catalogues")
struct WorkbenchAssetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let publicFolder = root.appendingPathComponent("Services/console/Public")

    // MARK: No third-party asset in the repository

    /// The repository's files: what git tracks, or (no git, e.g. an unpacked archive) every file
    /// outside the build and state folders.
    static func repositoryFiles() throws -> [String] {
        if let (status, listing) = try? runTool(["git", "-C", root.path, "ls-files", "--cached", "--others", "--exclude-standard"]),
           status == 0, !listing.isEmpty {
            return listing.split(separator: "\n").map(String.init).filter { !isOutsideRepository($0) }
        }
        var files: [String] = []
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey])
        while let url = enumerator?.nextObject() as? URL {
            let relative = String(url.path.dropFirst(root.path.count + 1))
            if isOutsideRepository(relative) {
                if (try? url.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == true { enumerator?.skipDescendants() }
                continue
            }
            if (try? url.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == false { files.append(relative) }
        }
        return files
    }

    /// Build products, local state and git's own folder are not the repository's content.
    static func isOutsideRepository(_ path: String) -> Bool {
        let first = path.split(separator: "/").first.map(String.init) ?? path
        return first.hasPrefix(".build") || first == ".state" || first == ".git" || first == ".swiftpm"
    }

    /// Why a file looks like a copied library (nil: it does not).
    static func thirdPartyReason(_ path: String, contents: () -> String?) -> String? {
        let name = (path as NSString).lastPathComponent.lowercased()
        let folders = path.lowercased().split(separator: "/").dropLast().map(String.init)
        if folders.contains("node_modules") || folders.contains("bower_components") { return "a package manager's folder" }
        if folders.contains("vendor") && path.hasPrefix("Services/console/Public") { return "a vendor folder among the pages (the console serves /vendor/ from Debian)" }
        let fonts = ["woff", "woff2", "ttf", "otf", "eot"]
        if fonts.contains((name as NSString).pathExtension) { return "a font file (fonts come from Debian's fonts-noto-cjk)" }
        if name.hasSuffix(".min.js") || name.hasSuffix(".min.css") || name.hasSuffix(".min.mjs") { return "a minified file" }
        if name.hasSuffix(".js.map") || name.hasSuffix(".css.map") { return "a source map of a built library" }
        let libraries = ["leaflet", "jquery", "bootstrap", "echarts", "highcharts", "d3.", "d3-", "vue.", "react.", "react-dom",
                         "angular.", "lodash", "underscore.", "moment.", "axios", "openlayers", "mapbox-gl", "three.", "font-awesome", "fontawesome"]
        let scriptOrStyle = ["js", "mjs", "cjs", "css"].contains((name as NSString).pathExtension)
        if scriptOrStyle, let library = libraries.first(where: { name.hasPrefix($0) }) {
            return "named like the \(library.trimmingCharacters(in: CharacterSet(charactersIn: ".-"))) library"
        }
        guard scriptOrStyle || name.hasSuffix(".html") else { return nil }
        guard let text = contents() else { return nil }
        // Libraries' banners and homes: our own files name Leaflet and Chart.js, never these.
        let banners = ["leafletjs.com", "chartjs.org", "jquery.org", "jquery.com", "getbootstrap.com", "echarts.apache.org",
                       "d3js.org", "@preserve", "@license", "sourceMappingURL="]
        if let banner = banners.first(where: { text.contains($0) }) { return "carries a library's banner (\(banner))" }
        if name.hasPrefix("chart"), text.contains("Chart.js v") { return "Chart.js's code" }
        if scriptOrStyle, let long = text.split(separator: "\n", omittingEmptySubsequences: true).first(where: { $0.count > 1000 }) {
            return "a line of \(long.count) characters (minified code)"
        }
        return nil
    }

    @Test("the repository holds no copied JS/CSS library, minified bundle or font file")
    func noVendoredLibraries() throws {
        let files = try Self.repositoryFiles()
        #expect(files.contains("Services/console/Public/index.html"), "the file listing missed the pages: \(files.count) files")
        var findings: [String] = []
        for path in files {
            let reason = Self.thirdPartyReason(path) {
                let url = Self.root.appendingPathComponent(path)
                guard let data = try? Data(contentsOf: url), data.count < 8_000_000 else { return nil }
                return String(data: data, encoding: .utf8)
            }
            if let reason { findings.append("\(path): \(reason)") }
        }
        #expect(findings.isEmpty, "third-party assets in the repository (serve them from Debian packages instead):\n\(findings.joined(separator: "\n"))")
    }

    @Test("the check itself recognises copied libraries and passes our own files")
    func recognisesLibraries() {
        let leafletBanner = "/* @preserve\n * Leaflet 1.7.1, a JS library for interactive maps. https://leafletjs.com\n */"
        #expect(Self.thirdPartyReason("Services/console/Public/js/leaflet.js") { nil } != nil)
        #expect(Self.thirdPartyReason("Services/console/Public/js/map-lib.js") { leafletBanner } != nil)
        #expect(Self.thirdPartyReason("Services/console/Public/js/chart.js") { "/*!\n * Chart.js v3.9.1\n * https://www.chartjs.org" } != nil)
        #expect(Self.thirdPartyReason("docs/assets/jquery-3.7.1.js") { "" } != nil)
        #expect(Self.thirdPartyReason("Services/console/Public/css/app.min.css") { "" } != nil)
        #expect(Self.thirdPartyReason("Services/console/Public/fonts/NotoSansSC.woff2") { nil } != nil)
        #expect(Self.thirdPartyReason("Services/console/Public/vendor/anything.js") { "" } != nil)
        #expect(Self.thirdPartyReason("Services/console/Public/js/bundle.js") { String(repeating: "a=1;", count: 400) } != nil)
        #expect(Self.thirdPartyReason("Services/console/Public/js/map.js") { "// Leaflet (Debian's libjs-leaflet, served under /vendor/leaflet)\nexport const x = 1;\n" } == nil)
        #expect(Self.thirdPartyReason("Services/console/Public/js/pages/dashboard.js") { "const script = '/vendor/chart.js/chart.umd.js';\n" } == nil)
        #expect(Self.thirdPartyReason("Shared/reference-data/grids.csv") { String(repeating: "x", count: 5000) } == nil)
    }

    // MARK: /vendor/ means Debian's installed files

    /// The files of the Debian (bookworm) packages the console serves, for a machine where they are
    /// not installed; where they are, the installed folder is the authority.
    static let packagedFiles: [String: (package: String, files: Set<String>)] = [
        "leaflet": ("libjs-leaflet", ["leaflet.js", "leaflet.css", "leaflet.min.js", "leaflet.esm.js", "leaflet.esm.min.js",
                                      "images", "images/layers.png", "images/layers-2x.png", "images/marker-icon.png",
                                      "images/marker-icon-2x.png", "images/marker-shadow.png"]),
        "chart.js": ("libjs-chart.js", ["chart.js", "chart.min.js", "chart.esm.js", "chart.mjs", "Chart.js", "Chart.min.js",
                                        "helpers.esm.js", "helpers.mjs", "chunks/helpers.segment.js", "chunks/helpers.segment.mjs"]),
    ]

    @Test("every /vendor/ reference of the pages names a file of libjs-leaflet or libjs-chart.js that the console serves")
    func vendorReferencesAreDebianFiles() throws {
        let settings = ConsoleSettings(upstreams: [:], publicFolder: Self.publicFolder.path)
        let served = ["leaflet": settings.leafletFolder, "chart.js": settings.chartFolder]
        #expect(Set(served.keys) == Set(Self.packagedFiles.keys), "the console serves \(served.keys.sorted()); this test knows \(Self.packagedFiles.keys.sorted())")
        let pattern = try NSRegularExpression(pattern: #"/vendor/([^/"'`\s]+)/([^"'`\s)?#]+)"#)
        var references = 0
        var problems: [String] = []
        for path in try Self.repositoryFiles() where path.hasPrefix("Services/console/Public/") {
            guard let text = try? String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8) else { continue }
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let nameRange = Range(match.range(at: 1), in: text), let fileRange = Range(match.range(at: 2), in: text) else { continue }
                let name = String(text[nameRange])
                let file = String(text[fileRange]).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                references += 1
                guard let folder = served[name], let package = Self.packagedFiles[name] else {
                    problems.append("\(path): /vendor/\(name)/\(file) — the console serves only /vendor/leaflet/ and /vendor/chart.js/")
                    continue
                }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue {
                    if !FileManager.default.fileExists(atPath: folder + "/" + file) {
                        problems.append("\(path): /vendor/\(name)/\(file) — \(folder)/\(file) is not installed by \(package.package)")
                    }
                } else if !package.files.contains(file) {
                    problems.append("\(path): /vendor/\(name)/\(file) — not a file of Debian's \(package.package) (\(package.files.sorted().joined(separator: ", ")))")
                }
            }
        }
        #expect(references > 0, "no /vendor/ reference found: the maps load Leaflet from /vendor/leaflet/")
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    // MARK: The message catalogues

    static func catalogue(_ language: String) throws -> [String: String] {
        let data = try Data(contentsOf: publicFolder.appendingPathComponent("i18n/\(language).json"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestSetupError("i18n/\(language).json is not one JSON object")
        }
        var strings: [String: String] = [:]
        for (key, value) in object {
            guard let text = value as? String else { throw TestSetupError("i18n/\(language).json: \(key) is not a string") }
            strings[key] = text
        }
        return strings
    }

    /// Literal keys the pages ask for: t("…") / tOr("…", …) in scripts and data-i18n(-title|-placeholder)
    /// attributes in HTML or in el()'s attribute objects. Keys built at run time (t(`state.${s}`))
    /// are not literal and not listed.
    static func usedKeys() throws -> [String: Set<String>] {
        let patterns = [
            #"\bt(?:Or)?\(\s*"([^"\\$]+)""#, #"\bt(?:Or)?\(\s*'([^'\\$]+)'"#, #"\bt(?:Or)?\(\s*`([^`\\$]+)`"#,
            #"data-i18n(?:-title|-placeholder)?\s*=\s*"([^"]+)""#, #""data-i18n(?:-title|-placeholder)?"\s*:\s*"([^"]+)""#,
            #"\bi18n(?:Title|Placeholder)?\s*:\s*"([^"]+)""#,
        ].map { try! NSRegularExpression(pattern: $0) }
        let comments = try NSRegularExpression(pattern: #"/\*[\s\S]*?\*/|^\s*//.*$"#, options: [.anchorsMatchLines])
        var used: [String: Set<String>] = [:]
        for path in try repositoryFiles() where path.hasPrefix("Services/console/Public/") && (path.hasSuffix(".js") || path.hasSuffix(".html")) {
            guard let source = try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) else { continue }
            // Examples in comments are not uses: block comments, and line comments on their own line.
            let text = comments.stringByReplacingMatches(in: source, range: NSRange(source.startIndex..., in: source), withTemplate: "")
            for pattern in patterns {
                for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    guard let range = Range(match.range(at: 1), in: text) else { continue }
                    used[String(text[range]), default: []].insert(path)
                }
            }
        }
        return used
    }

    @Test("zh-CN and en have the same keys, the same placeholders and no empty label")
    func cataloguesMatch() throws {
        let chinese = try Self.catalogue("zh-CN"), english = try Self.catalogue("en")
        let onlyChinese = Set(chinese.keys).subtracting(english.keys).sorted()
        let onlyEnglish = Set(english.keys).subtracting(chinese.keys).sorted()
        #expect(onlyChinese.isEmpty, "keys only in zh-CN.json: \(onlyChinese.joined(separator: ", "))")
        #expect(onlyEnglish.isEmpty, "keys only in en.json: \(onlyEnglish.joined(separator: ", "))")
        let placeholder = try NSRegularExpression(pattern: #"\{(\w+)\}"#)
        func placeholders(_ text: String) -> Set<String> {
            Set(placeholder.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } })
        }
        var mismatched: [String] = []
        for (key, text) in chinese {
            guard let other = english[key] else { continue }
            if placeholders(text) != placeholders(other) { mismatched.append("\(key): \(text) / \(other)") }
        }
        #expect(mismatched.isEmpty, "placeholders differ between the languages:\n\(mismatched.sorted().joined(separator: "\n"))")
        let empty = (chinese.filter { $0.value.trimmingCharacters(in: .whitespaces).isEmpty }.map { "zh-CN \($0.key)" }
                     + english.filter { $0.value.trimmingCharacters(in: .whitespaces).isEmpty }.map { "en \($0.key)" }).sorted()
        #expect(empty.isEmpty, "empty labels: \(empty.joined(separator: ", "))")
    }

    @Test("every catalogue key the pages use exists in zh-CN.json and en.json")
    func usedKeysExist() throws {
        let chinese = try Self.catalogue("zh-CN"), english = try Self.catalogue("en")
        let used = try Self.usedKeys()
        #expect(used.count > 20, "found only \(used.count) literal keys in the pages: is the pattern still right?")
        var missing: [String] = []
        for (key, files) in used.sorted(by: { $0.key < $1.key }) {
            let absent = [chinese[key] == nil ? "zh-CN" : nil, english[key] == nil ? "en" : nil].compactMap { $0 }
            if !absent.isEmpty { missing.append("\(key) (missing in \(absent.joined(separator: ", ")); used in \(files.sorted().joined(separator: ", ")))") }
        }
        #expect(missing.isEmpty, "catalogue keys used by the pages but not defined:\n\(missing.joined(separator: "\n"))")
    }
}
