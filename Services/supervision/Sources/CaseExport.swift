import CityGridModel
import Foundation

/// Case data for others (数据共享, seed 五(四)): the cases of a period and filter as CSV or
/// GeoJSON, for auditors and the city's analysts. One row per case, as supervision holds it now.
///
/// What leaves is what an auditor needs to re-count the centre's work — where, what, who handled
/// it and when each step happened — and nothing that names a citizen: no reporter id or contact,
/// no hotline ticket number, and the citizen's own words (description, address) pass through
/// ``PersonalDataMask`` as they do for the public Open311 list.
enum CaseExport {
    enum Format: String, CaseIterable {
        case csv
        case geojson

        var contentType: String {
            switch self {
            case .csv: "text/csv; charset=utf-8"
            case .geojson: "application/geo+json"
            }
        }
    }

    /// Longest reporting window one export may cover: a year and a day, so that a leap year's
    /// whole year fits and an export cannot ask for the whole history by accident.
    static let maxSpan: TimeInterval = 366 * 86_400

    /// Rows read per database round trip while streaming.
    static let batchSize = 1_000

    /// The columns, in order; the GeoJSON properties carry the same names (without the point).
    static let columns = [
        "number", "id", "channel", "kind", "class_code", "condition_id", "state", "district_code", "street_code", "community_code",
        "grid_code", "department_code", "reported_at", "accepted_at", "filed_at", "dispatched_at", "completed_at", "closed_at",
        "voided_at", "handling_deadline", "overdue_marked", "rework_count", "return_count", "extension_count", "reopen_count",
        "duplicate_count", "duplicate_of", "longitude", "latitude", "address", "description",
    ]

    /// A value of one cell: text, a number, a flag, or nothing.
    enum Value: Equatable {
        case text(String)
        case number(Double)
        case integer(Int)
        case flag(Bool)
        case none
    }

    /// The row of `stored`, in ``columns`` order.
    static func values(of stored: StoredCase) -> [Value] {
        let facts = stored.facts, record = stored.record
        func text(_ value: String?) -> Value { value.map(Value.text) ?? .none }
        func time(_ value: Date?) -> Value { value.map { .text(RFC3339.format($0)) } ?? .none }
        return [
            .text(record.caseNumber), .text(record.id.uuidString.lowercased()), .text(facts.channel.rawValue), .text(facts.kind.rawValue),
            .text(facts.classCode), text(record.conditionId ?? facts.conditionId), .text(record.state.rawValue), text(facts.districtCode),
            text(facts.streetCode), text(facts.communityCode), text(record.gridCode ?? facts.gridCode), text(record.currentDepartment),
            time(record.reportedAt), time(record.acceptedAt), time(record.filedAt), time(record.dispatchedAt), time(record.completedAt),
            time(record.closedAt), time(record.voidedAt), time(record.handlingDeadline), .flag(record.clock?.overdueAt != nil),
            .integer(record.reworkCount), .integer(record.returnCount), .integer(record.extensionCount), .integer(record.reopenCount),
            .integer(stored.duplicateCount), text(record.duplicateOf?.uuidString.lowercased()),
            facts.longitude.map(Value.number) ?? .none, facts.latitude.map(Value.number) ?? .none,
            text(facts.address.map(PersonalDataMask.mask)), .text(PersonalDataMask.mask(facts.description)),
        ]
    }

    // MARK: CSV (RFC 4180)

    /// The byte order mark and the header line. The mark makes spreadsheet programs read the
    /// file as UTF-8; without it Excel shows the Chinese text garbled.
    static var csvHead: String { "\u{FEFF}" + columns.joined(separator: ",") + "\r\n" }

    static func csvLine(_ values: [Value]) -> String {
        values.map(csvCell).joined(separator: ",") + "\r\n"
    }

    /// A cell: plain when it can be, else quoted with quotes doubled. Text a spreadsheet would
    /// run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading apostrophe: the
    /// description is a citizen's text and must not become a formula in an auditor's sheet.
    static func csvCell(_ value: Value) -> String {
        switch value {
        case .none: return ""
        case .flag(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .number(let number): return String(number)
        case .text(var text):
            if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
            let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" } || text.hasPrefix("'")
            return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
    }

    // MARK: GeoJSON (RFC 7946)

    static let geoJSONHead = "{\"type\":\"FeatureCollection\",\"features\":[\n"
    static let geoJSONTail = "\n]}\n"

    /// One feature: the case's point (WGS 84 longitude, latitude, as RFC 7946 requires), or a
    /// null geometry for a case that was never located, and the row as properties.
    static func geoJSONFeature(_ values: [Value]) -> String {
        var properties: [String] = []
        var longitude: Double?, latitude: Double?
        for (name, value) in zip(columns, values) {
            if name == "longitude", case .number(let number) = value { longitude = number }
            if name == "latitude", case .number(let number) = value { latitude = number }
            if name == "longitude" || name == "latitude" { continue }
            properties.append("\(jsonString(name)):\(jsonValue(value))")
        }
        let geometry = longitude.flatMap { lon in latitude.map { lat in "{\"type\":\"Point\",\"coordinates\":[\(lon),\(lat)]}" } } ?? "null"
        return "{\"type\":\"Feature\",\"geometry\":\(geometry),\"properties\":{\(properties.joined(separator: ","))}}"
    }

    static func jsonValue(_ value: Value) -> String {
        switch value {
        case .none: return "null"
        case .flag(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .number(let number): return number.isFinite ? String(number) : "null"
        case .text(let text): return jsonString(text)
        }
    }

    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
