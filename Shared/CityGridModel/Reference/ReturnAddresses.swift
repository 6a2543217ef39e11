import Foundation

/// The channels that hear back what became of their reports (`return-addresses.csv`): each with
/// its return address, the first word of the routing keys of its notices on
/// ``MessagingNames/outboundExchange`` (`12345.case.closed`). A channel without a row gets no
/// notices. Which channels answer their callers is the city's arrangement with each platform,
/// so it is data, not code.
public struct ReturnAddresses: Sendable, Equatable {
    /// One channel's return address.
    public struct Entry: Sendable, Equatable {
        public var channel: ReportChannel
        /// One routing-key word: letters, digits, `-` and `_` (no `.`, `*` or `#`), 1–32 long.
        public var address: String
        /// Who answers there, for people (`12345 政务服务便民热线`).
        public var name: String
        public var source: ReferenceSource

        public init(channel: ReportChannel, address: String, name: String, source: ReferenceSource) {
            self.channel = channel
            self.address = address
            self.name = name
            self.source = source
        }
    }

    public static let fileName = "return-addresses.csv"

    public let entries: [Entry]
    private let byChannel: [ReportChannel: Entry]

    public init(_ entries: [Entry]) {
        self.entries = entries
        byChannel = Dictionary(entries.map { ($0.channel, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// No channel hears back.
    public static let none = ReturnAddresses([])

    /// The return address of `channel`, if it has one.
    public func address(of channel: ReportChannel) -> String? { byChannel[channel]?.address }

    /// The channels that have a return address.
    public var channels: [ReportChannel] { entries.map(\.channel) }

    /// Whether `word` can be a return address: one routing-key word a topic binding can name.
    public static func isValidAddress(_ word: String) -> Bool {
        (1...32).contains(word.count) && word.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
    }

    /// Reads `return-addresses.csv` from a reference-data directory.
    /// - Throws: ``ReferenceDataErrors`` with every problem, each naming line and field.
    public static func load(from directory: URL) throws -> ReturnAddresses {
        let url = directory.appendingPathComponent(fileName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ReferenceDataErrors([ReferenceDataError(file: fileName, line: 0, field: nil, message: "cannot read \(url.path)")])
        }
        return try parse(text).get()
    }

    /// Parses the file's text; every problem is reported, not only the first.
    public static func parse(_ text: String) -> Result<ReturnAddresses, ReferenceDataErrors> {
        let (table, structural) = CSVTable.parse(text, file: fileName)
        var errors = structural
        func fail(_ line: Int, _ field: String?, _ message: String) {
            errors.append(ReferenceDataError(file: fileName, line: line, field: field, message: message))
        }
        let required = ["channel", "address", "name", "source"]
        let missing = required.filter { table.column($0) == nil }
        guard missing.isEmpty else {
            fail(1, nil, "missing column(s) \(missing.joined(separator: ", ")); the header is \(required.joined(separator: ","))")
            return .failure(ReferenceDataErrors(errors))
        }
        var entries: [Entry] = []
        var channels: Set<ReportChannel> = []
        var addresses: Set<String> = []
        for record in table.records {
            func field(_ name: String) -> String { record.fields[table.column(name)!].trimmingCharacters(in: .whitespaces) }
            let line = record.line
            var valid = true
            let channel = ReportChannel(rawValue: field("channel"))
            if channel == nil {
                fail(line, "channel", "'\(field("channel"))' is not a channel (\(ReportChannel.allCases.map(\.rawValue).joined(separator: ", ")))")
                valid = false
            } else if !channels.insert(channel!).inserted {
                fail(line, "channel", "\(field("channel")) is listed twice")
                valid = false
            }
            let address = field("address")
            if !isValidAddress(address) {
                fail(line, "address", "'\(address)' is not one routing-key word (letters, digits, '-', '_'; 1–32 characters)")
                valid = false
            } else if !addresses.insert(address).inserted {
                fail(line, "address", "\(address) is given to two channels")
                valid = false
            }
            let name = field("name")
            if name.isEmpty {
                fail(line, "name", "is required")
                valid = false
            }
            let source = ReferenceSource(rawValue: field("source"))
            if source == nil {
                fail(line, "source", "must be one of \(ReferenceSource.allCases.map(\.rawValue).joined(separator: ", "))")
                valid = false
            }
            if valid, let channel, let source {
                entries.append(Entry(channel: channel, address: address, name: name, source: source))
            }
        }
        return errors.isEmpty ? .success(ReturnAddresses(entries)) : .failure(ReferenceDataErrors(errors))
    }
}
