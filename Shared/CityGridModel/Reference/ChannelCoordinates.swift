import Foundation

/// The coordinate system each report channel sends when a report does not declare one
/// (`channel-coordinates.csv`). Which maps and devices a city's channels use is its own
/// arrangement (a public app built on 高德 sends GCJ-02, supervisors' handsets send their GNSS fix),
/// so it is data, not code. Every channel has exactly one row: a channel added later must be given
/// its default before intake starts, rather than quietly falling back to WGS84.
public struct ChannelCoordinates: Sendable, Equatable {
    /// One channel's default.
    public struct Entry: Sendable, Equatable {
        public var channel: ReportChannel
        public var system: CoordinateSystem
        /// Why this channel sends this system, for people.
        public var note: String
        public var source: ReferenceSource

        public init(channel: ReportChannel, system: CoordinateSystem, note: String, source: ReferenceSource) {
            self.channel = channel
            self.system = system
            self.note = note
            self.source = source
        }
    }

    public static let fileName = "channel-coordinates.csv"

    public let entries: [Entry]
    private let byChannel: [ReportChannel: CoordinateSystem]

    /// - Precondition: `entries` has one entry per channel (the loader guarantees it).
    public init(_ entries: [Entry]) {
        self.entries = entries
        byChannel = Dictionary(entries.map { ($0.channel, $0.system) }, uniquingKeysWith: { first, _ in first })
    }

    /// The system `channel` sends when a report does not say.
    public func defaultSystem(for channel: ReportChannel) -> CoordinateSystem {
        // Every channel has a row (checked when loading), so the fallback is never reached with loaded data.
        byChannel[channel] ?? .wgs84
    }

    /// Reads `channel-coordinates.csv` from a reference-data directory.
    /// - Throws: ``ReferenceDataErrors`` with every problem, each naming line and field.
    public static func load(from directory: URL) throws -> ChannelCoordinates {
        let url = directory.appendingPathComponent(fileName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ReferenceDataErrors([ReferenceDataError(file: fileName, line: 0, field: nil, message: "cannot read \(url.path)")])
        }
        return try parse(text).get()
    }

    /// Parses the file's text; every problem is reported, not only the first.
    public static func parse(_ text: String) -> Result<ChannelCoordinates, ReferenceDataErrors> {
        let (table, structural) = CSVTable.parse(text, file: fileName)
        var errors = structural
        func fail(_ line: Int, _ field: String?, _ message: String) {
            errors.append(ReferenceDataError(file: fileName, line: line, field: field, message: message))
        }
        let required = ["channel", "coordinate_system", "note", "source"]
        let missing = required.filter { table.column($0) == nil }
        guard missing.isEmpty else {
            fail(1, nil, "missing column(s) \(missing.joined(separator: ", ")); the header is \(required.joined(separator: ","))")
            return .failure(ReferenceDataErrors(errors))
        }
        var entries: [Entry] = []
        var seen: Set<ReportChannel> = []
        for record in table.records {
            func field(_ name: String) -> String { record.fields[table.column(name)!].trimmingCharacters(in: .whitespaces) }
            let line = record.line
            var valid = true
            let channel = ReportChannel(rawValue: field("channel"))
            if channel == nil {
                fail(line, "channel", "'\(field("channel"))' is not a channel (\(ReportChannel.allCases.map(\.rawValue).joined(separator: ", ")))")
                valid = false
            } else if !seen.insert(channel!).inserted {
                fail(line, "channel", "\(field("channel")) is listed twice")
                valid = false
            }
            // The file names systems exactly as the API documents them, not in the lenient forms clients may send.
            let system = CoordinateSystem(rawValue: field("coordinate_system"))
            if system == nil {
                fail(line, "coordinate_system", "'\(field("coordinate_system"))' is not a coordinate system (\(CoordinateSystem.names))")
                valid = false
            }
            let source = ReferenceSource(rawValue: field("source"))
            if source == nil {
                fail(line, "source", "must be one of \(ReferenceSource.allCases.map(\.rawValue).joined(separator: ", "))")
                valid = false
            }
            if valid, let channel, let system, let source {
                entries.append(Entry(channel: channel, system: system, note: field("note"), source: source))
            }
        }
        let unlisted = ReportChannel.allCases.filter { !seen.contains($0) }
        if !unlisted.isEmpty {
            fail(0, "channel", "every channel needs a default system; missing: \(unlisted.map(\.rawValue).joined(separator: ", "))")
        }
        return errors.isEmpty ? .success(ChannelCoordinates(entries)) : .failure(ReferenceDataErrors(errors))
    }
}
