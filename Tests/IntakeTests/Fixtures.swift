import CityGridModel
import Foundation

/// The demo city's reference data, for the service under test (the same as `Fixtures` in
/// IntakeUnitTests, which holds the pure tests).
enum Fixtures {
    static let referencePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Shared/reference-data").path
    static let reference: ReferenceData = try! ReferenceData.load(from: URL(fileURLWithPath: referencePath))
}
