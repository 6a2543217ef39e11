import BlockingThread
import Foundation
import Testing

@Suite("BlockingThread")
struct BlockingThreadTests {
    @Test("a thread released before it got going ends quietly (pools made and dropped at once)")
    func releasedAtOnce() async throws {
        // Before the fix the OS thread read its owner through an unowned reference and crashed
        // the process when the owner was already gone; many at once make that race likely.
        for index in 0..<300 { _ = BlockingThread(name: "dropped-\(index)") }
        let kept = BlockingThread(name: "kept")
        #expect(try await kept.run { 6 * 7 } == 42)
    }

    @Test("work submitted after shutdown is refused, not lost silently")
    func afterShutdown() async throws {
        let thread = BlockingThread(name: "stopping")
        thread.shutdown()
        await #expect(throws: BlockingThreadStopped.self) { try await thread.run { 1 } }
    }
}
