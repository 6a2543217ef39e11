// A minimal service built on CityGridPlatform exactly like the real ones, used by the platform
// integration tests. It consumes `probe.work.*` events and records one effect row per applied
// message (a plain insert, so a double application would show up as two rows).
//
// PROBE_ROLE: `consumer` (default) consumes; `producer` only serves POST /probe/emit.
import AMQPClient
import CityGridModel
import CityGridPlatform
import Foundation
import Hummingbird
import PGClient

struct ProbeWork: DomainEvent {
    static let eventType = "citygrid.probe.work.v1"
    var sequence: Int
    var key: String
    /// When set, the work only applies after the same subject's effect `after` exists.
    var after: Int?
    /// `work` is bound to the probe's queue; anything else is unroutable (for the return tests).
    var topic: String?
    var routingKey: String { "probe.\(topic ?? "work").\(key)" }
}

let role = ProcessInfo.processInfo.environment["PROBE_ROLE"] ?? "consumer"

let descriptor = ServiceDescriptor(
    name: "platform-probe", schema: "probe", messagingName: "probe", defaultHTTPPort: 8090,
    migrations: [
        Migration(100, "effects", """
            CREATE TABLE effects (
                id         bigserial PRIMARY KEY,
                message_id uuid NOT NULL,
                subject    text NOT NULL,
                sequence   integer NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX effects_subject ON effects (subject, sequence);
            """),
    ],
    build: { env in
        let consumer = ConsumerDefinition(
            queue: "probe.work",
            bindings: [.init(exchange: MessagingNames.eventsExchange, routingKey: "probe.work.#")],
            handlers: [
                ProbeWork.eventType: { message, context in
                    let work = try message.payload(ProbeWork.self)
                    guard work.sequence >= 0 else { throw HandlerError.invalid("sequence must be ≥ 0, got \(work.sequence)") }
                    guard let subject = message.subject else { throw HandlerError.invalid("subject is required") }
                    // A message the database refuses for good (as PostgreSQL once refused a NUL),
                    // until the fix is deployed (PROBE_FIXED=1).
                    if work.key == "unstorable" && ProcessInfo.processInfo.environment["PROBE_FIXED"] != "1" {
                        try context.connection.query("SELECT 1 / 0")
                    }
                    if let after = work.after {
                        let found = try context.connection.query(
                            "SELECT 1 FROM probe.effects WHERE subject = $1 AND sequence = $2", [subject, after]).first
                        if found == nil { throw HandlerError.notYet("waiting for sequence \(after)") }
                    }
                    try context.connection.query(
                        "INSERT INTO probe.effects (message_id, subject, sequence) VALUES ($1, $2, $3)",
                        [message.id, subject, work.sequence])
                },
            ])
        return ServiceParts(
            consumers: role == "consumer" ? [consumer] : [],
            routes: { router in
                // POST /probe/emit?subject=S&count=N&key=K[&after=A] writes N events to the outbox in one transaction.
                router.post("/probe/emit") { request, _ -> Response in
                    let q = request.uri.queryParameters
                    let subject = q["subject"].map(String.init) ?? "probe"
                    let count = q["count"].flatMap { Int(String($0)) } ?? 1
                    let key = q["key"].map(String.init) ?? "default"
                    let after = q["after"].flatMap { Int(String($0)) }
                    let start = q["start"].flatMap { Int(String($0)) } ?? 0
                    let topic = q["topic"].map(String.init)
                    let now = env.clock.now()
                    try await env.transaction { _, outbox in
                        for i in 0..<count {
                            try outbox.publish(ProbeWork(sequence: start + i, key: key, after: after, topic: topic), subject: subject, at: now)
                        }
                    }
                    return Response(status: .accepted)
                }
            })
    })

await ServiceMain.run(descriptor)
