import Foundation

/// What a photo's EXIF says about where and when it was taken.
public struct ExifMetadata: Sendable, Equatable {
    /// `DateTimeOriginal` (with `OffsetTimeOriginal` when the camera wrote one).
    public var capturedAt: Date?
    /// GPS position in decimal degrees as the camera wrote it (a phone's GPS receiver: WGS84).
    public var latitude: Double?
    public var longitude: Double?

    public init(capturedAt: Date? = nil, latitude: Double? = nil, longitude: Double? = nil) {
        self.capturedAt = capturedAt
        self.latitude = latitude
        self.longitude = longitude
    }

    public var isEmpty: Bool { capturedAt == nil && latitude == nil }
}

/// Reads capture time and GPS position from a JPEG's EXIF block (APP1 `Exif\0\0` + TIFF).
///
/// Uploads are hostile input: every offset, count and length is checked against the bytes at
/// hand, the walk over the JPEG's segments and over each IFD is bounded, and only the two IFDs the
/// first one points at are read (never a chain), so no file can make it loop, read out of bounds
/// or trap. Anything it cannot make sense of is simply absent from the answer.
public enum ExifReader {
    /// JPEG segments looked at before giving up (the EXIF block comes first in practice).
    static let maxSegments = 64
    /// IFD entries read per directory.
    static let maxEntries = 512

    /// - Parameter defaultTimeZone: the zone of a capture time written without an offset (the
    ///   city's: phones on patrol keep local time).
    public static func read(jpeg bytes: [UInt8], defaultTimeZone: TimeZone) -> ExifMetadata {
        guard let tiff = exifBlock(in: bytes) else { return ExifMetadata() }
        return TIFFReader(bytes: tiff)?.metadata(defaultTimeZone: defaultTimeZone) ?? ExifMetadata()
    }

    /// The TIFF structure inside the first APP1 segment that starts with `Exif\0\0`, or nil.
    static func exifBlock(in bytes: [UInt8]) -> ArraySlice<UInt8>? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var position = 2
        for _ in 0..<maxSegments {
            // Fill bytes (0xFF) may precede a marker.
            while position + 1 < bytes.count, bytes[position] == 0xFF, bytes[position + 1] == 0xFF { position += 1 }
            guard position + 1 < bytes.count, bytes[position] == 0xFF else { return nil }
            let marker = bytes[position + 1]
            // Start of scan or end of image: the metadata segments are behind us.
            if marker == 0xDA || marker == 0xD9 { return nil }
            // Markers without a length: TEM and the restart markers.
            if marker == 0x01 || (0xD0...0xD7).contains(marker) {
                position += 2
                continue
            }
            guard position + 3 < bytes.count else { return nil }
            let length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            guard length >= 2 else { return nil }
            let start = position + 4
            let end = position + 2 + length
            guard end <= bytes.count else { return nil }
            let header: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]   // "Exif\0\0"
            if marker == 0xE1, end - start > header.count, Array(bytes[start..<start + header.count]) == header {
                return bytes[(start + header.count)..<end]
            }
            position = end
        }
        return nil
    }
}

/// Bounds-checked reads of one TIFF structure (EXIF's container).
struct TIFFReader {
    /// The TIFF bytes rebased to index 0, so offsets in the file are indices here.
    let bytes: [UInt8]
    let littleEndian: Bool

    init?(bytes slice: ArraySlice<UInt8>) {
        bytes = Array(slice)
        guard bytes.count >= 8 else { return nil }
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): littleEndian = true     // "II"
        case (0x4D, 0x4D): littleEndian = false    // "MM"
        default: return nil
        }
        guard u16(2) == 42 else { return nil }
    }

    func u16(_ at: Int) -> Int? {
        guard at >= 0, at + 2 <= bytes.count else { return nil }
        let a = Int(bytes[at]), b = Int(bytes[at + 1])
        return littleEndian ? a | b << 8 : a << 8 | b
    }

    func u32(_ at: Int) -> Int? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        let b = (0..<4).map { Int(bytes[at + $0]) }
        return littleEndian ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
    }

    /// One IFD entry: its type, count and where its value starts.
    struct Entry {
        var type: Int
        var count: Int
        var valueOffset: Int
    }

    /// Bytes per value of the TIFF field types this reader meets; nil for unknown types.
    static func size(of type: Int) -> Int? {
        switch type {
        case 1, 2, 6, 7: return 1      // BYTE, ASCII, SBYTE, UNDEFINED
        case 3, 8: return 2            // SHORT, SSHORT
        case 4, 9, 11, 13: return 4    // LONG, SLONG, FLOAT, IFD
        case 5, 10, 12: return 8       // RATIONAL, SRATIONAL, DOUBLE
        default: return nil
        }
    }

    /// The entries of the IFD at `offset`, by tag; entries whose value would lie outside the
    /// bytes are left out.
    func directory(at offset: Int) -> [Int: Entry] {
        guard let count = u16(offset) else { return [:] }
        var entries: [Int: Entry] = [:]
        for index in 0..<min(count, ExifReader.maxEntries) {
            let at = offset + 2 + index * 12
            guard let tag = u16(at), let type = u16(at + 2), let n = u32(at + 4), let unit = Self.size(of: type) else { continue }
            // 32-bit count times at most 8: no overflow in a 64-bit Int.
            let length = n * unit
            let valueOffset: Int
            if length <= 4 {
                valueOffset = at + 8
            } else {
                guard let pointed = u32(at + 8) else { continue }
                valueOffset = pointed
            }
            guard valueOffset >= 0, length <= bytes.count, valueOffset <= bytes.count - length else { continue }
            if entries[tag] == nil { entries[tag] = Entry(type: type, count: n, valueOffset: valueOffset) }
        }
        return entries
    }

    func ascii(_ entry: Entry?) -> String? {
        guard let entry, entry.type == 2 || entry.type == 7, entry.count > 0, entry.count <= 256 else { return nil }
        let raw = bytes[entry.valueOffset..<entry.valueOffset + entry.count]
        let text = raw.prefix { $0 != 0 }
        guard text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// The `index`th unsigned RATIONAL of the entry, nil for a zero denominator.
    func rational(_ entry: Entry, _ index: Int) -> Double? {
        guard entry.type == 5, index < entry.count else { return nil }
        let at = entry.valueOffset + index * 8
        guard let numerator = u32(at), let denominator = u32(at + 4), denominator != 0 else { return nil }
        return Double(numerator) / Double(denominator)
    }

    /// A pointer entry's target (LONG or SHORT), nil when it points outside the bytes.
    func pointer(_ entry: Entry?) -> Int? {
        guard let entry, entry.count == 1 else { return nil }
        let value: Int?
        switch entry.type {
        case 4, 13: value = u32(entry.valueOffset)
        case 3: value = u16(entry.valueOffset)
        default: value = nil
        }
        guard let value, value >= 8, value < bytes.count else { return nil }
        return value
    }

    enum Tag {
        static let exifPointer = 0x8769
        static let gpsPointer = 0x8825
        static let dateTimeOriginal = 0x9003
        static let offsetTimeOriginal = 0x9011
        static let gpsLatitudeRef = 0x0001
        static let gpsLatitude = 0x0002
        static let gpsLongitudeRef = 0x0003
        static let gpsLongitude = 0x0004
    }

    func metadata(defaultTimeZone: TimeZone) -> ExifMetadata {
        guard let first = u32(4), first >= 8 else { return ExifMetadata() }
        let ifd0 = directory(at: first)
        var result = ExifMetadata()
        if let exif = pointer(ifd0[Tag.exifPointer]) {
            let entries = directory(at: exif)
            if let text = ascii(entries[Tag.dateTimeOriginal]) {
                let zone = ascii(entries[Tag.offsetTimeOriginal]).flatMap(ExifDate.zone(offset:)) ?? defaultTimeZone
                result.capturedAt = ExifDate.parse(text, in: zone)
            }
        }
        if let gps = pointer(ifd0[Tag.gpsPointer]) {
            let entries = directory(at: gps)
            if let latitude = coordinate(entries[Tag.gpsLatitude], ref: ascii(entries[Tag.gpsLatitudeRef]), positive: "N", negative: "S", limit: 90),
               let longitude = coordinate(entries[Tag.gpsLongitude], ref: ascii(entries[Tag.gpsLongitudeRef]), positive: "E", negative: "W",
                                          limit: 180),
               // 0/0 is what some phones write without a fix.
               !(latitude == 0 && longitude == 0) {
                result.latitude = latitude
                result.longitude = longitude
            }
        }
        return result
    }

    /// Degrees, minutes, seconds (three RATIONALs) and a hemisphere reference as decimal degrees.
    func coordinate(_ entry: Entry?, ref: String?, positive: String, negative: String, limit: Double) -> Double? {
        guard let entry, entry.count == 3, let ref, ref == positive || ref == negative,
              let degrees = rational(entry, 0), let minutes = rational(entry, 1), let seconds = rational(entry, 2),
              minutes < 60, seconds < 60 else { return nil }
        let value = degrees + minutes / 60 + seconds / 3600
        guard value.isFinite, value <= limit else { return nil }
        return ref == negative ? -value : value
    }
}

/// EXIF's date format: `YYYY:MM:DD HH:MM:SS`, local time, with the offset in a separate tag.
enum ExifDate {
    static func parse(_ text: String, in zone: TimeZone) -> Date? {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == " " }).map { Int($0) }
        guard text.count == 19, parts.count == 6, parts.allSatisfy({ $0 != nil }) else { return nil }
        let v = parts.map { $0! }
        guard (1900...2999).contains(v[0]), (1...12).contains(v[1]), (1...31).contains(v[2]), (0...23).contains(v[3]),
              (0...59).contains(v[4]), (0...60).contains(v[5]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: v[0], month: v[1], day: v[2], hour: v[3], minute: v[4], second: min(v[5], 59))
        guard let date = calendar.date(from: components) else { return nil }
        // A day the month does not have (31 April) would roll over: refuse it instead.
        guard calendar.component(.day, from: date) == v[2] else { return nil }
        return date
    }

    /// `+08:00` / `-05:30` as a zone.
    static func zone(offset text: String) -> TimeZone? {
        let chars = Array(text)
        guard chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":",
              let hours = Int(String(chars[1...2])), let minutes = Int(String(chars[4...5])), hours <= 14, minutes < 60 else { return nil }
        let seconds = (hours * 3600 + minutes * 60) * (chars[0] == "-" ? -1 : 1)
        return TimeZone(secondsFromGMT: seconds)
    }
}
