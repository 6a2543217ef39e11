/// Names of the shared broker objects. Provisioning (scripts/infra) creates the exchanges;
/// services declare their own queues, named `<service>.<purpose>`, each with a dead-letter
/// queue `<queue>.dlq` bound to ``deadLetterExchange`` under the queue's own name.
public enum MessagingNames {
    /// Topic exchange for every lifecycle event; routing key `<service>.<entity>.<event>`.
    public static let eventsExchange = "citygrid.events"
    /// Direct exchange for dead letters; routing key = the queue the message failed in.
    public static let deadLetterExchange = "citygrid.dead-letter"
    /// Topic exchange hotline platforms (12345, 12319, 110) publish reports (to intake) and return
    /// visits (to supervision) to.
    public static let inboundExchange = "citygrid.inbound"
    /// Topic exchange departments publish task commands to; routing key `<deptCode>.<command>`.
    public static let departmentCommandsExchange = "citygrid.dept-commands"
    /// Topic exchange intake publishes notices to the channels a report came from (12345, 12319,
    /// 110 and any channel with a return address); routing key `<address>.case.<kind>`, so a
    /// hotline binds `<address>.#` (``ChannelNotice``).
    public static let outboundExchange = "citygrid.outbound"

    /// Header on dead letters written by CityGrid: why the message could not be applied.
    public static let deadLetterReasonHeader = "x-citygrid-dead-letter-reason"
    /// Header on dead letters: the routing key the message originally had.
    public static let originalRoutingKeyHeader = "x-citygrid-original-routing-key"
    /// The consumer (queue) that dead-lettered a message. `citygrid dead-letters replay` keeps it,
    /// so that consumer lets the replayed copy past its inbox once.
    public static let deadLetteredByHeader = "x-citygrid-dead-lettered-by"
    /// W3C trace context header carried on every message.
    public static let traceparentHeader = "traceparent"

    public static func deadLetterQueue(for queue: String) -> String { queue + ".dlq" }

    /// Whether a topic binding `pattern` takes `key`, as RabbitMQ decides it: `*` is one word,
    /// `#` zero or more. For checking bindings (tests) and for in-process hand-over (the monolith
    /// benchmark) without a broker.
    public static func topicMatches(_ pattern: String, _ key: String) -> Bool {
        let p = pattern.split(separator: ".", omittingEmptySubsequences: false)
        let k = key.split(separator: ".", omittingEmptySubsequences: false)
        func match(_ i: Int, _ j: Int) -> Bool {
            if i == p.count { return j == k.count }
            if p[i] == "#" { return (j...k.count).contains { match(i + 1, $0) } }
            guard j < k.count else { return false }
            return (p[i] == "*" || p[i] == k[j]) && match(i + 1, j + 1)
        }
        return match(0, 0)
    }
}
