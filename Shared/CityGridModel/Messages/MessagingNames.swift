/// Names of the shared broker objects. Provisioning (scripts/infra) creates the exchanges;
/// services declare their own queues, named `<service>.<purpose>`, each with a dead-letter
/// queue `<queue>.dlq` bound to ``deadLetterExchange`` under the queue's own name.
public enum MessagingNames {
    /// Topic exchange for every lifecycle event; routing key `<service>.<entity>.<event>`.
    public static let eventsExchange = "citygrid.events"
    /// Direct exchange for dead letters; routing key = the queue the message failed in.
    public static let deadLetterExchange = "citygrid.dead-letter"
    /// Topic exchange hotline platforms (12345, 12319, 110) publish reports to.
    public static let inboundExchange = "citygrid.inbound"
    /// Topic exchange departments publish task commands to; routing key `<deptCode>.<command>`.
    public static let departmentCommandsExchange = "citygrid.dept-commands"

    /// Header on dead letters written by CityGrid: why the message could not be applied.
    public static let deadLetterReasonHeader = "x-citygrid-dead-letter-reason"
    /// Header on dead letters: the routing key the message originally had.
    public static let originalRoutingKeyHeader = "x-citygrid-original-routing-key"
    /// W3C trace context header carried on every message.
    public static let traceparentHeader = "traceparent"

    public static func deadLetterQueue(for queue: String) -> String { queue + ".dlq" }
}
