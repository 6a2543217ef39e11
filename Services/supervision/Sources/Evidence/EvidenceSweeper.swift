import CityGridPlatform
import Foundation
import Logging
import PGClient
import ServiceLifecycle

/// Collects orphans: uploads that no timeline entry references once the grace period
/// (`CITYGRID_EVIDENCE_ORPHAN_GRACE_HOURS`, measured on the city's clock) has passed since the
/// upload — a phone that uploaded and then never sent its report, a form abandoned after its
/// photo went up. Attached uploads are never touched (the table's trigger refuses it too).
///
/// Two steps, so a crash between them can only leave a file without a record (found again when
/// the same bytes are uploaded), never a record without its file: the records go in one
/// transaction; then each file whose last record went is removed under its hash's lock, which an
/// upload of the same bytes also takes before it looks for the file.
public struct EvidenceSweeper: Service {
    let env: ServiceEnvironment
    let store: ContentStore
    let grace: TimeInterval
    let interval: Duration
    /// Uploads removed per transaction.
    static let batch = 200
    /// A temporary file older than this is a crash's leftover.
    static let staleTemporarySeconds: TimeInterval = 3600

    public func run() async throws {
        await repeatPasses(every: interval, logger: env.logger, what: "evidence sweep") {
            let removed = try await sweepOnce()
            if removed > 0 { env.logger.info("orphaned evidence collected", metadata: ["count": "\(removed)"]) }
        }
    }

    /// One pass; returns how many uploads were removed.
    @discardableResult
    public func sweepOnce() async throws -> Int {
        let cutoff = env.clock.now().addingTimeInterval(-grace)
        let store = self.store
        var total = 0
        while true {
            let removed = try await env.pool.transaction { connection in
                try EvidenceStore.deleteOrphans(uploadedBefore: cutoff, limit: Self.batch, on: connection)
            }
            for address in Set(removed.map { $0.address }) {
                try await env.pool.transaction { connection in
                    try EvidenceStore.lock(address, on: connection)
                    if try EvidenceStore.count(address, on: connection) == 0 { try store.remove(address) }
                }
            }
            for orphan in removed {
                env.logger.notice("orphaned evidence removed", metadata: ["evidence_id": "\(orphan.id)", "sha256": "\(orphan.address)"])
            }
            total += removed.count
            if removed.count < Self.batch { break }
        }
        // The folder walk blocks: it runs on a connection's own thread, as the uploads' file calls do.
        let temporaries = try await env.pool.withConnection { _ in
            store.removeStaleTemporaries(olderThan: Self.staleTemporarySeconds)
        }
        if temporaries > 0 { env.logger.notice("stale temporary evidence files removed", metadata: ["count": "\(temporaries)"]) }
        return total
    }
}
