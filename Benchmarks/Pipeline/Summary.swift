// The run's table, the goals with "met" or "missed by how much", and the verdict; one JSON file.
import Foundation

struct Summary {
    let settings: Settings

    func load(_ path: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    func run() throws {
        let pipelineFile = load(settings.value("BENCH_OUTPUT_PIPELINE"))
        let monolithFile = load(settings.value("BENCH_OUTPUT_MONOLITH"))
        func numbers(_ any: Any?) -> [String: Double] {
            ((any as? [String: Any]) ?? [:]).compactMapValues { v -> Double? in
                if v is Bool { return (v as? Bool) == true ? 1 : 0 }
                if let d = v as? Double { return d }
                if let i = v as? Int { return Double(i) }
                return (v as? NSNumber)?.doubleValue
            }
        }
        func list(_ any: Any?) -> [[String: Double]] { ((any as? [Any]) ?? []).map(numbers) }
        let broker = numbers(pipelineFile["broker_ceiling"])
        let database = numbers(pipelineFile["database_ceiling"])
        let pipeline = (pipelineFile["pipeline"] as? [String: Any]) ?? [:]
        let steps = list(pipeline["steps"])
        let work = numbers(pipeline["work_per_case"])
        let pipelineCheck = numbers(pipeline["check"])
        let runs = list(monolithFile["runs"])
        let monolithWork = numbers(monolithFile["work_per_case"])
        let monolithCheck = numbers(monolithFile["check"])

        print("\nCityGrid benchmark (\(ProcessInfo.processInfo.activeProcessorCount) cores; figures from one run on a shared machine are noisy)")
        let publish = broker["publish_msgs_per_s"] ?? .nan, consume = broker["consume_msgs_per_s"] ?? .nan
        let db = database.values.max() ?? .nan
        print("\nceilings: broker publish \(fmt(publish)) / consume \(fmt(consume)) msg/s; database stage tx/s "
              + ["c1", "c4", "c8"].map { fmt(database["stage_tps_\($0)"] ?? .nan) }.joined(separator: " / ") + " (1/4/8 clients)")
        let published = work["messages_published"] ?? .nan, consumed = work["messages_consumed"] ?? .nan
        let transactions = work["stage_transactions"] ?? .nan
        let bound = min(min(publish, consume) / max(published, consumed), db / transactions)
        print("work per case (counted in the database): \(fmt(published)) messages published, \(fmt(consumed)) consumed, "
              + "\(fmt(transactions)) stage transactions (\(fmt(consumed)) consumer deliveries + 5 HTTP commands)")
        print("ceiling for the full lifecycle: min(broker \(fmt(min(publish, consume)))/\(fmt(max(published, consumed))), "
              + "database \(fmt(db))/\(fmt(transactions))) = \(fmt(bound)) cases/s")

        print("\npipeline step-up (five processes, open loop, full lifecycle per case; latencies in ms)")
        let header = ["offered/s", "dispatch/s", "lifecycle/s", "done", "r→d p50", "r→d p99", "hand p99", "close p99", "assess p99", "e2e p50", "e2e p99"]
        print(header.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
        for s in steps {
            let cells = [s["offered_rate_per_s"], s["sustained_dispatch_per_s"], s["sustained_lifecycle_per_s"],
                         (s["cases_completed"] ?? 0) / max(s["cases_started"] ?? 1, 1) * 100,
                         s["report_to_dispatch_p50_ms"], s["report_to_dispatch_p99_ms"], s["dispatch_to_awaiting_check_p99_ms"],
                         s["awaiting_check_to_closed_p99_ms"], s["closed_to_assessed_p99_ms"], s["end_to_end_p50_ms"], s["end_to_end_p99_ms"]]
            print(cells.enumerated().map { (i, v) in (fmt(v ?? .nan) + (i == 3 ? "%" : "")).padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
        }
        let processes = ["intake", "grid-routing", "disposal", "supervision", "assessment", "bench-driver", "postgres-bench-db", "postgres-all", "rabbitmq", "machine-busy"]
        print("\nCPU ms per completed case, per step: " + processes.joined(separator: " / "))
        for s in steps {
            print("  \(fmt(s["offered_rate_per_s"] ?? .nan))/s: " + processes.map { fmt(s["cpu_ms_per_case_\($0)"] ?? .nan) }.joined(separator: " / "))
        }
        print("mean consumer batch (messages per transaction) / mean batch time (ms), per step:")
        for s in steps {
            print("  \(fmt(s["offered_rate_per_s"] ?? .nan))/s: " + processes.prefix(5).map {
                "\($0) \(fmt(s["mean_batch_size_\($0)"] ?? .nan))/\(fmt(s["mean_batch_ms_\($0)"] ?? .nan))"
            }.joined(separator: ", "))
        }
        print("accept calls answered 404 (task not yet in disposal's inbox), per case: "
              + steps.map { "\(fmt($0["offered_rate_per_s"] ?? .nan))/s: \(fmt($0["accept_retries_per_case"] ?? .nan))" }.joined(separator: ", "))

        print("\nsame-work monolith (one process, closed loop; latencies in ms)")
        print(["workers", "lifecycle/s", "r→d p50", "r→d p99", "e2e p50", "e2e p99"].map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined()
              + "CPU ms/case: monolith incl. its driver / postgres-bench-db / postgres-all / machine-busy")
        for r in runs {
            let cells = [r["workers"], r["sustained_lifecycle_per_s"], r["report_to_dispatch_p50_ms"], r["report_to_dispatch_p99_ms"],
                         r["end_to_end_p50_ms"], r["end_to_end_p99_ms"]].map { fmt($0 ?? .nan).padding(toLength: 12, withPad: " ", startingAt: 0) }
            print(cells.joined() + ["monolith-incl-driver", "postgres-bench-db", "postgres-all", "machine-busy"].map { fmt(r["cpu_ms_per_case_\($0)"] ?? .nan) }.joined(separator: " / "))
        }
        print("monolith work per case: \(fmt(monolithWork["messages_published"] ?? .nan)) outbox rows, \(fmt(monolithWork["messages_consumed"] ?? .nan)) inbox rows")

        // Goals.
        let lifecycleMax = steps.compactMap { $0["sustained_lifecycle_per_s"] }.max() ?? .nan
        let dispatchMax = steps.compactMap { $0["sustained_dispatch_per_s"] }.max() ?? .nan
        let monolithMax = runs.compactMap { $0["sustained_lifecycle_per_s"] }.max() ?? .nan
        let half = lifecycleMax / 2
        let atHalf = steps.min { abs(($0["offered_rate_per_s"] ?? 0) - half) < abs(($1["offered_rate_per_s"] ?? 0) - half) }
        let p99AtHalf = atHalf?["report_to_dispatch_p99_ms"] ?? .nan
        func goal(_ name: String, _ value: Double, _ target: Double, higherIsBetter: Bool = true) -> [String: Any] {
            let met = higherIsBetter ? value >= target : value < target
            let factor = higherIsBetter ? target / value : value / target
            print("  \(met ? "MET   " : "MISSED") \(name): \(fmt(value)) vs \(fmt(target))" + (met ? "" : " — missed by \(fmt(factor))×"))
            return ["value": value, "target": target, "met": met, "factor": factor]
        }
        print("\nsustained maximum: full lifecycle \(fmt(lifecycleMax)) cases/s, report→dispatch \(fmt(dispatchMax)) cases/s; monolith \(fmt(monolithMax)) cases/s")
        print("goals:")
        var goals: [String: Any] = [:]
        goals["lifecycle_vs_monolith"] = goal("full-lifecycle throughput ≥ 1.0× monolith (cases/s)", lifecycleMax, monolithMax)
        goals["lifecycle_vs_half_ceiling"] = goal("full-lifecycle throughput ≥ half the machine's ceiling (cases/s)", lifecycleMax, bound / 2)
        goals["report_to_dispatch_p99_at_half_rate"] = goal(
            "report→dispatch p99 < 100 ms at the step closest to half the sustained maximum (\(fmt(atHalf?["offered_rate_per_s"] ?? .nan))/s) (ms)",
            p99AtHalf, 100, higherIsBetter: false)

        let pipelinePass = pipelineCheck["pass"] == 1, monolithPass = monolithCheck["pass"] == 1
        func describe(_ c: [String: Double]) -> String {
            ["reports_submitted", "reports_accepted_201", "cases", "cases_closed", "tasks", "cases_with_one_task", "assessed_closed",
             "duplicate_dispatches", "cases_dispatched_twice", "outbox_unsent", "parked", "dead_letters"].map { "\($0)=\(fmt(c[$0] ?? .nan))" }.joined(separator: " ")
        }
        print("\nverdict (every report exactly one case, closed everywhere, assessed, nothing lost, duplicated, parked or dead-lettered):")
        print("  pipeline: \(pipelinePass ? "PASS" : "FAIL") — \(describe(pipelineCheck))")
        print("  monolith: \(monolithPass ? "PASS" : "FAIL") — \(describe(monolithCheck))")
        print("  the run \(pipelinePass && monolithPass ? "COUNTS" : "DOES NOT COUNT")")

        var all = pipelineFile
        all["monolith"] = monolithFile
        all["ceiling_full_lifecycle_cases_per_s"] = bound
        all["sustained_max"] = ["lifecycle_per_s": lifecycleMax, "dispatch_per_s": dispatchMax, "monolith_per_s": monolithMax]
        all["goals"] = goals
        all["verdict"] = ["pipeline": pipelinePass, "monolith": monolithPass, "counts": pipelinePass && monolithPass]
        let out = settings.value("BENCH_OUTPUT")
        try writeJSON(all, to: out)
        print("JSON: \(out)")
    }
}
