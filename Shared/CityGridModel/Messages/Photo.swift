import Foundation

/// Why a photo was taken. The purpose is declared by whoever sends the photo and travels with it;
/// no service works it out from a photo's position in a list.
public enum PhotoPurpose: String, Codable, Sendable, CaseIterable {
    /// Shows the problem as reported (any channel).
    case report
    /// 自行处置: the scene before the supervisor fixed it.
    case before
    /// 自行处置: the scene after the supervisor fixed it.
    case after
    /// 核实: taken on site when verifying a public report.
    case verification
    /// 核查: taken on site when checking a department's work.
    case check
    /// A department's progress note.
    case progress
    /// A department's completion (处理反馈).
    case completion

    /// The purposes a reporter may declare at intake.
    public static let reportPurposes: [PhotoPurpose] = [.report, .before, .after]
}

/// A photo: where it is and why it was taken.
///
/// JSON: `{"url": "https://…", "purpose": "report"}`. A bare URL string also decodes, as a
/// `report` photo. Messages carried `photos` as a list of URL strings before photos were typed;
/// accepting that shape keeps messages already sitting in queues, outboxes or parked tables
/// readable across an upgrade, and lets inbound clients (hotline platforms) keep sending plain
/// URLs. Encoding always writes the object.
public struct Photo: Codable, Sendable, Hashable {
    public var url: String
    public var purpose: PhotoPurpose

    public init(url: String, purpose: PhotoPurpose) {
        self.url = url
        self.purpose = purpose
    }

    /// A photo of the problem as reported.
    public static func report(_ url: String) -> Photo { Photo(url: url, purpose: .report) }

    private enum CodingKeys: String, CodingKey { case url, purpose }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let url = try? single.decode(String.self) {
            self.init(url: url, purpose: .report)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(url: try container.decode(String.self, forKey: .url),
                  purpose: try container.decode(PhotoPurpose.self, forKey: .purpose))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encode(purpose, forKey: .purpose)
    }
}

extension Sequence where Element == Photo {
    /// The URLs of the photos with `purpose`, in the sender's order.
    public func urls(_ purpose: PhotoPurpose) -> [String] { filter { $0.purpose == purpose }.map(\.url) }
}
