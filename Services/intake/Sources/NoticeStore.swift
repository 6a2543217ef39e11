import CityGridModel
import Foundation
import PGClient

/// `intake.channel_notices`: which notice each report's channel was sent for which step. Every
/// function runs on the caller's connection, inside its transaction.
enum NoticeStore {
    /// The reports that hear about case `caseId` — its own report and the reports linked to it
    /// as repeats — from `channels`, oldest first.
    static func recipients(of caseId: UUID, channels: [ReportChannel], on connection: PGConnection) throws -> [NoticeRecipient] {
        guard !channels.isEmpty else { return [] }
        return try connection.query("""
            SELECT case_id, case_number, channel, channel_reference, duplicate_of, linked_sequence FROM intake.reports
            WHERE (case_id = $1 OR duplicate_of = $1) AND channel = ANY($2::text[])
            ORDER BY received_at, case_number
            """, [caseId, PGTextArray(channels.map(\.rawValue))]).rows.compactMap { row in
            guard let channel = ReportChannel(rawValue: try row.string("channel")) else { return nil }
            return NoticeRecipient(caseId: try row.uuid("case_id"), caseNumber: try row.string("case_number"), channel: channel,
                                   channelReference: row.optionalString("channel_reference"), linked: row.optionalUUID("duplicate_of") != nil,
                                   sequenceOffset: row.optionalInt("linked_sequence") ?? 0)
        }
    }

    /// Records that `notice` goes to its report's channel. `false` when the report already has a
    /// notice for this step (the same transition applied again): then nothing is to be sent.
    static func record(_ notice: ChannelNotice, on connection: PGConnection) throws -> Bool {
        try connection.query("""
            INSERT INTO intake.channel_notices (notice_id, case_id, sequence, kind, routing_key, occurred_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (case_id, sequence) DO NOTHING
            """, [notice.noticeId, notice.caseId, notice.sequence, notice.kind.rawValue, notice.routingKey, notice.occurredAt]).affectedRows == 1
    }
}
