import Foundation

/// One part of a `multipart/form-data` body (RFC 7578): its field name, the file name a client
/// gave, the content type it claimed, and where its content lies in the body.
public struct MultipartPart: Sendable, Equatable {
    public var name: String
    public var filename: String?
    /// As the client declared it; the evidence store never trusts it (``MediaType/sniff(_:)``).
    public var contentType: String?
    /// The content's bytes within the body the form was parsed from.
    public var range: Range<Int>
}

/// Why a body is not a well-formed multipart form.
public struct MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A bounded `multipart/form-data` parser over a body held in memory. The parts' contents are not
/// copied: each part says where its bytes are. Headers are limited in size and parts in number,
/// so a hostile body costs at most one linear scan.
public enum MultipartForm {
    public static let maxParts = 16
    public static let maxHeaderBytes = 8 * 1024

    /// The boundary from a `Content-Type` header (`multipart/form-data; boundary=…`, quoted or
    /// not); nil when the type is not multipart/form-data or the boundary is missing or invalid
    /// (1–70 characters, RFC 2046).
    public static func boundary(contentType: String?) -> String? {
        guard let contentType else { return nil }
        let pieces = contentType.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "="),
                  piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard (1...70).contains(value.utf8.count), !value.hasSuffix(" "), value.utf8.allSatisfy(isBoundaryCharacter) else { return nil }
            return value
        }
        return nil
    }

    /// RFC 2046's `bchars`: digits, letters, `'()+_,-./:=?` and space (not last).
    static func isBoundaryCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return true
        default: return Array("'()+_,-./:=? ".utf8).contains(byte)
        }
    }

    /// Splits `body` into its parts.
    /// - Throws: ``MultipartError`` for a missing opening or closing delimiter, a part without
    ///   headers or without a `Content-Disposition: form-data; name=…`, headers over the limit, or
    ///   too many parts.
    public static func parse(_ body: Data, boundary: String) throws(MultipartError) -> [MultipartPart] {
        let result: Result<[MultipartPart], MultipartError> = body.withUnsafeBytes { raw in
            do throws(MultipartError) {
                return .success(try parse(raw, boundary: Array(boundary.utf8)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func parse(_ body: UnsafeRawBufferPointer, boundary: [UInt8]) throws(MultipartError) -> [MultipartPart] {
        let dashBoundary = Array("--".utf8) + boundary
        let delimiter = Array("\r\n".utf8) + dashBoundary
        let crlf = Array("\r\n".utf8)
        // The first boundary may open the body or follow a preamble (then after a CRLF).
        var position: Int
        if starts(body, with: dashBoundary, at: 0) {
            position = dashBoundary.count
        } else if let found = find(delimiter, in: body, from: 0) {
            position = found + delimiter.count
        } else {
            throw MultipartError("no opening boundary")
        }
        var parts: [MultipartPart] = []
        while true {
            if starts(body, with: Array("--".utf8), at: position) { return parts }   // the close delimiter
            // Transport padding (spaces, tabs) may stand between a boundary and its CRLF.
            while position < body.count, body[position] == 0x20 || body[position] == 0x09 { position += 1 }
            guard starts(body, with: crlf, at: position) else { throw MultipartError("a boundary is not followed by CRLF") }
            position += crlf.count
            guard parts.count < maxParts else { throw MultipartError("more than \(maxParts) parts") }
            if starts(body, with: crlf, at: position) { throw MultipartError("a part without headers") }
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: position, limit: maxHeaderBytes + 4) else {
                throw MultipartError("a part's headers are unterminated or longer than \(maxHeaderBytes) bytes")
            }
            let headerText = String(decoding: UnsafeRawBufferPointer(rebasing: body[position..<headerEnd]), as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let contentEnd = find(delimiter, in: body, from: contentStart) else {
                throw MultipartError("a part is not closed by a boundary (truncated body?)")
            }
            parts.append(try part(headers: headerText, range: contentStart..<contentEnd))
            position = contentEnd + delimiter.count
        }
    }

    /// A part from its header block.
    static func part(headers text: String, range: Range<Int>) throws(MultipartError) -> MultipartPart {
        var disposition: String?
        var contentType: String?
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw MultipartError("a part header without a colon") }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-disposition" { disposition = value }
            if name == "content-type" { contentType = value }
        }
        guard let disposition else { throw MultipartError("a part without Content-Disposition") }
        let parameters = dispositionParameters(disposition)
        // A name may be empty (`name=""`): such a part is not `file`, and like any other part
        // the upload does not read it.
        guard parameters.type == "form-data", let name = parameters.values["name"] else {
            throw MultipartError("a part's Content-Disposition is not form-data with a name")
        }
        let filename = parameters.values["filename*"].flatMap(decodeExtended) ?? parameters.values["filename"]
        return MultipartPart(name: name, filename: filename, contentType: contentType, range: range)
    }

    /// `form-data; name="file"; filename="a.jpg"` → type and parameters (quoted strings unquoted,
    /// `\"` and `\\` unescaped; semicolons inside quotes kept).
    static func dispositionParameters(_ text: String) -> (type: String, values: [String: String]) {
        var pieces: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text {
            if escaped { current.append(character); escaped = false; continue }
            if quoted && character == "\\" { current.append(character); escaped = true; continue }
            if character == "\"" { quoted.toggle() }
            if character == ";" && !quoted { pieces.append(current); current = ""; continue }
            current.append(character)
        }
        pieces.append(current)
        let type = pieces.first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        var values: [String: String] = [:]
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let key = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "\\\\", with: "\\")
            }
            if values[key] == nil { values[key] = value }
        }
        return (type, values)
    }

    /// RFC 5987 `UTF-8''%E7%85%A7.jpg` → `照.jpg`.
    static func decodeExtended(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        return String(pieces[2]).removingPercentEncoding
    }

    static func starts(_ body: UnsafeRawBufferPointer, with bytes: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset + bytes.count <= body.count else { return false }
        for (i, byte) in bytes.enumerated() where body[offset + i] != byte { return false }
        return true
    }

    /// The first index at or after `start` where `needle` occurs, looking at most `limit` bytes
    /// from `start`. memchr finds the candidates, so a long body costs one fast scan.
    static func find(_ needle: [UInt8], in body: UnsafeRawBufferPointer, from start: Int, limit: Int = .max) -> Int? {
        guard let base = body.baseAddress, !needle.isEmpty, start >= 0 else { return nil }
        let end = limit == .max ? body.count : min(body.count, start + limit)
        let last = end - needle.count
        var at = start
        while at <= last {
            guard let hit = memchr(base + at, Int32(needle[0]), last - at + 1) else { return nil }
            let index = base.distance(to: UnsafeRawPointer(hit))
            let matches = needle.withUnsafeBytes { memcmp(base + index, $0.baseAddress!, needle.count) == 0 }
            if matches { return index }
            at = index + 1
        }
        return nil
    }
}
