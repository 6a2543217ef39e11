// citygrid-bench: measures, in one run of scripts/bench on this machine,
//   1. the broker ceiling   — quorum queue, persistent 1 KB messages, batched publisher confirms,
//                             publishing and consuming at the same time (what the services do);
//   2. the database ceiling — one stage's real transaction (inbox + state upsert + outbox) under pgbench;
//   3. the pipeline         — the five services under an open-loop step-up of supervisor reports,
//                             every case driven through its full lifecycle (Lifecycle.swift);
//   4. the monolith         — the same work in one process without a broker (Monolith.swift);
//   5. the summary          — a table, the goals met or missed by how much, and the run's verdict.
// Modes: `citygrid-bench pipeline` (1–3), `citygrid-bench monolith` (4), `citygrid-bench summary` (5).
// Figures are printed, never asserted. Run with scripts/bench.
import Foundation

let settings = Settings()
let mode = CommandLine.arguments.dropFirst().first ?? "pipeline"
switch mode {
case "pipeline":
    var result: [String: Any] = [:]
    let brokerURL = settings.value("BENCH_AMQP_ADMIN_URL")
    result["broker_ceiling"] = try await brokerCeiling(adminURL: brokerURL, messages: settings.brokerMessages)
    result["database_ceiling"] = try await databaseCeiling(adminURL: settings.value("BENCH_PG_ADMIN_URL"))
    result["pipeline"] = try await Pipeline(settings: settings).run()
    try writeJSON(result, to: settings.value("BENCH_OUTPUT_PIPELINE"))
case "monolith":
    let result = try await Monolith(settings: settings).run()
    try writeJSON(result, to: settings.value("BENCH_OUTPUT_MONOLITH"))
    exit(0)  // the in-process HTTP servers would keep the process alive
case "summary":
    try Summary(settings: settings).run()
default:
    FileHandle.standardError.write(Data("usage: citygrid-bench [pipeline|monolith|summary]\n".utf8))
    exit(2)
}
