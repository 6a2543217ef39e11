import Foundation
import TestSupport
import Testing

/// A bounded, repeatable libFuzzer run of every target in Tests/Fuzz (scripts/fuzz): the parsers
/// that face the outside never crash on what the fuzzer makes of the seed corpora. The long run is
/// `scripts/fuzz` on its own (docs/reliability.md keeps its latest figures).
@Suite("Coverage-guided fuzzing, bounded (libFuzzer)")
struct FuzzSmokeTests {
    @Test("every fuzz target runs 20,000 inputs from a fixed seed without a crash")
    func boundedRun() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let (status, output) = try runTool([root.appendingPathComponent("scripts/fuzz").path, "--runs", "20000", "--seed", "1"])
        print(output.split(separator: "\n").suffix(6).joined(separator: "\n"))
        #expect(status == 0, "\(output.suffix(3000))")
        for target in ["envelope", "open311", "reference-csv", "calendar"] {
            #expect(output.contains("\n\(target) "), "\(target) did not run")
        }
    }
}
