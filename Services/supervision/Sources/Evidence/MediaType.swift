import Foundation

/// The kinds of file the evidence store can recognise, told apart by their first bytes (magic
/// numbers), never by the name or the `Content-Type` a client sends. Which of them a city accepts,
/// and how large each may be, is configuration (``EvidenceLimits``), not this type's business.
public enum MediaType: String, Codable, Sendable, CaseIterable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case webp = "image/webp"
    /// HEIC/HEIF stills (an iPhone's default); recognised so that refusing them names them.
    case heic = "image/heic"
    case mp4 = "video/mp4"
    /// A QuickTime movie (an iPhone's default video); recognised so that refusing it names it.
    case quicktime = "video/quicktime"

    /// A photo or a short video.
    public enum Kind: String, Codable, Sendable { case photo, video }

    public var kind: Kind {
        switch self {
        case .jpeg, .png, .webp, .heic: return .photo
        case .mp4, .quicktime: return .video
        }
    }

    /// The MIME type (also the raw value).
    public var mime: String { rawValue }

    /// The usual file extension, for a download's name.
    public var fileExtension: String {
        switch self {
        case .jpeg: return "jpg"
        case .png: return "png"
        case .webp: return "webp"
        case .heic: return "heic"
        case .mp4: return "mp4"
        case .quicktime: return "mov"
        }
    }

    /// What the bytes are, from their signature; nil for anything else (or too few bytes).
    ///
    /// JPEG: `FF D8 FF`. PNG: the 8-byte signature. WebP: `RIFF····WEBP`. The ISO base media file
    /// formats (MP4, QuickTime, HEIF) start with an `ftyp` box whose major brand says which.
    public static func sniff<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> MediaType? where Bytes.Element == UInt8, Bytes.Index == Int {
        let head = Array(bytes.prefix(16))
        func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + signature.count && Array(head[offset..<offset + signature.count]) == signature
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("ftyp".utf8), at: 4), head.count >= 12 {
            let brand = String(decoding: head[8..<12], as: UTF8.self)
            if heifBrands.contains(brand) { return .heic }
            if brand == "qt  " { return .quicktime }
            if mp4Brands.contains(brand) { return .mp4 }
        }
        return nil
    }

    /// Major brands of MP4 files as phones and encoders write them.
    static let mp4Brands: Set<String> = ["isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "MSNV", "dash", "3gp4", "3gp5",
                                         "3gp6", "mmp4"]
    static let heifBrands: Set<String> = ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"]
}
