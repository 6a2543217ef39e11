import CityGridModel
import Foundation

/// The committed reference data, for the service under test (the same as `Reference` in
/// GridRoutingUnitTests, which holds the pure tests).
enum Reference {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shared/reference-data")
    static let data: ReferenceData = try! ReferenceData.load(from: directory)
}
