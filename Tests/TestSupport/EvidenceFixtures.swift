import Foundation

/// A `multipart/form-data` body as browsers and phones send it, for the evidence tests.
public enum MultipartBody {
    public static let boundary = "----CityGridBoundary7MA4YWxkTrZu0gW"

    /// The Content-Type header of a body built with ``boundary``.
    public static var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// A form with the given parts (field name, file name, content type, bytes).
    public static func form(_ parts: [(String, String?, String?, [UInt8])], boundary: String = MultipartBody.boundary, preamble: String = "",
                            close: Bool = true) -> Data {
        var body = Array(preamble.utf8)
        for (name, filename, type, bytes) in parts {
            body += Array("--\(boundary)\r\n".utf8)
            var disposition = "Content-Disposition: form-data; name=\"\(name)\""
            if let filename { disposition += "; filename=\"\(filename)\"" }
            body += Array("\(disposition)\r\n".utf8)
            if let type { body += Array("Content-Type: \(type)\r\n".utf8) }
            body += Array("\r\n".utf8) + bytes + Array("\r\n".utf8)
        }
        if close { body += Array("--\(boundary)--\r\n".utf8) }
        return Data(body)
    }
}

/// Crafted JPEGs: SOI, a JFIF APP0, an APP1 EXIF block (IFD0 → Exif IFD with DateTimeOriginal
/// and OffsetTimeOriginal, → GPS IFD with latitude and longitude), a tiny scan, EOI.
public enum ExifFixture {
    public static func u16(_ value: Int, _ little: Bool) -> [UInt8] {
        little ? [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] : [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    public static func u32(_ value: Int, _ little: Bool) -> [UInt8] {
        let bytes = [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        return little ? bytes.reversed() : bytes
    }

    public static func tiffHeader(littleEndian little: Bool) -> [UInt8] {
        (little ? Array("II".utf8) : Array("MM".utf8)) + u16(42, little) + u32(8, little)
    }

    public static func entry(_ tag: Int, type: Int, count: Int, value: Int, littleEndian little: Bool) -> [UInt8] {
        u16(tag, little) + u16(type, little) + u32(count, little) + u32(value, little)
    }

    /// An entry whose (≤ 4 byte) value is stored inline, left-aligned.
    public static func inline(_ tag: Int, type: Int, count: Int, bytes: [UInt8], littleEndian little: Bool) -> [UInt8] {
        u16(tag, little) + u16(type, little) + u32(count, little) + (bytes + [0, 0, 0, 0]).prefix(4)
    }

    public static func wrap(tiff: [UInt8]) -> [UInt8] {
        let app1 = Array("Exif".utf8) + [0, 0] + tiff
        let jfif: [UInt8] = [0xFF, 0xE0] + u16(16, false) + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        return [0xFF, 0xD8] + jfif + [0xFF, 0xE1] + u16(app1.count + 2, false) + app1
            + [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0xFF, 0xD9]
    }

    public static func jpeg(littleEndian little: Bool, date: String = "2026:12:07 09:30:15", offset: String? = "+08:00", gps: Bool = true,
                     zeroGPS: Bool = false, latitudeRef: String = "N", longitudeRef: String = "E") -> [UInt8] {
        // Layout: header 8 | IFD0 (2 entries) 30 | Exif IFD (1–2 entries) | GPS IFD (4 entries) 54 | values.
        let ifd0Entries = gps ? 2 : 1
        let exifEntries = offset == nil ? 1 : 2
        let ifd0At = 8
        let exifAt = ifd0At + 2 + ifd0Entries * 12 + 4
        let gpsAt = exifAt + 2 + exifEntries * 12 + 4
        let valuesAt = gpsAt + (gps ? 2 + 4 * 12 + 4 : 0)
        let dateBytes: [UInt8] = Array(date.utf8) + [0]
        let offsetBytes: [UInt8] = offset.map { Array($0.utf8) + [0] } ?? []
        let dateAt = valuesAt
        let offsetAt = dateAt + dateBytes.count
        let latitudeAt = offsetAt + offsetBytes.count
        let longitudeAt = latitudeAt + 24
        func rationals(_ values: [(Int, Int)]) -> [UInt8] { values.flatMap { u32($0.0, little) + u32($0.1, little) } }

        var tiff = tiffHeader(littleEndian: little)
        tiff += u16(ifd0Entries, little)
        tiff += entry(0x8769, type: 4, count: 1, value: exifAt, littleEndian: little)
        if gps { tiff += entry(0x8825, type: 4, count: 1, value: gpsAt, littleEndian: little) }
        tiff += u32(0, little)
        tiff += u16(exifEntries, little)
        tiff += entry(0x9003, type: 2, count: dateBytes.count, value: dateAt, littleEndian: little)
        if offset != nil { tiff += entry(0x9011, type: 2, count: offsetBytes.count, value: offsetAt, littleEndian: little) }
        tiff += u32(0, little)
        if gps {
            tiff += u16(4, little)
            tiff += inline(0x0001, type: 2, count: 2, bytes: Array(latitudeRef.utf8) + [0], littleEndian: little)
            tiff += entry(0x0002, type: 5, count: 3, value: latitudeAt, littleEndian: little)
            tiff += inline(0x0003, type: 2, count: 2, bytes: Array(longitudeRef.utf8) + [0], littleEndian: little)
            tiff += entry(0x0004, type: 5, count: 3, value: longitudeAt, littleEndian: little)
            tiff += u32(0, little)
        }
        precondition(tiff.count == valuesAt)
        tiff += dateBytes + offsetBytes
        if gps {
            tiff += zeroGPS ? rationals([(0, 1), (0, 1), (0, 1)]) : rationals([(40, 1), (49, 1), (87, 100)])
            tiff += zeroGPS ? rationals([(0, 1), (0, 1), (0, 1)]) : rationals([(111, 1), (41, 1), (5402, 100)])
        }
        return wrap(tiff: tiff)
    }
}
