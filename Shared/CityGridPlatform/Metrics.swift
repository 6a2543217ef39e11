import Foundation
import Prometheus

/// The messaging and HTTP metrics every service exposes on `/metrics`.
public final class PlatformMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let published: Counter
    public let confirmed: Counter
    public let returned: Counter
    public let nacked: Counter
    public let consumed: Counter
    public let redelivered: Counter
    public let duplicatesSkipped: Counter
    public let deadLettered: Counter
    public let parked: Counter
    public let unstorable: Counter
    public let blockedByDeadLetter: Counter
    public let handlerFailures: Counter
    public let outboxBacklog: Gauge
    public let parkedBacklog: Gauge
    public let handlerLatency: DurationHistogram
    public let batchSize: ValueHistogram
    public let httpRequests: Counter
    public let httpErrors: Counter
    private let service: String

    public init(service: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.service = service
        let labels = [("service", service)]
        published = registry.counter("citygrid_messages_published_total", labels: labels, help: "Messages handed to the broker by the outbox relay")
        confirmed = registry.counter("citygrid_messages_confirmed_total", labels: labels, help: "Published messages confirmed by the broker")
        returned = registry.counter("citygrid_messages_returned_total", labels: labels, help: "Published messages returned as unroutable (kept in the outbox and retried)")
        nacked = registry.counter("citygrid_messages_nacked_total", labels: labels, help: "Published messages the broker refused")
        consumed = registry.counter("citygrid_messages_consumed_total", labels: labels, help: "Deliveries received")
        redelivered = registry.counter("citygrid_messages_redelivered_total", labels: labels, help: "Deliveries flagged as redelivered by the broker")
        duplicatesSkipped = registry.counter("citygrid_messages_duplicates_skipped_total", labels: labels, help: "Deliveries already applied (inbox hit), acked without effect")
        deadLettered = registry.counter("citygrid_messages_dead_lettered_total", labels: labels, help: "Deliveries sent to the dead-letter queue with a reason")
        parked = registry.counter("citygrid_messages_parked_total", labels: labels, help: "Deliveries that arrived before the state they need and were parked for retry")
        unstorable = registry.counter("citygrid_messages_unstorable_total", labels: labels,
                                          help: "Valid messages this service could not store (a permanent database error) and dead-lettered: alert on any")
        blockedByDeadLetter = registry.counter("citygrid_messages_blocked_by_dead_letter_total", labels: labels,
                                                   help: "Messages that waited for an earlier, dead-lettered message of their case and were dead-lettered behind it")
        handlerFailures = registry.counter("citygrid_handler_failures_total", labels: labels, help: "Batches rolled back by a transient failure and requeued")
        outboxBacklog = registry.gauge("citygrid_outbox_backlog", labels: labels, help: "Outbox rows not yet confirmed by the broker")
        parkedBacklog = registry.gauge("citygrid_parked_backlog", labels: labels, help: "Parked messages waiting for their case to catch up")
        handlerLatency = registry.durationHistogram("citygrid_handler_batch_seconds", labels: labels,
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)],
            help: "Time to apply one batch of deliveries in one transaction")
        batchSize = registry.valueHistogram("citygrid_consumer_batch_size", labels: labels, buckets: [1, 2, 5, 10, 20, 50, 100, 200], help: "Deliveries applied per transaction")
        httpRequests = registry.counter("citygrid_http_requests_total", labels: labels, help: "HTTP requests served")
        httpErrors = registry.counter("citygrid_http_errors_total", labels: labels, help: "HTTP requests answered with 4xx or 5xx")
    }

    /// `citygrid_message_age_seconds{queue}`: how long a consumed message waited since it was
    /// produced (its envelope `time`), as seen when the consumer receives it. One series per queue;
    /// asking again for the same queue returns the same histogram.
    public func messageAge(queue: String) -> DurationHistogram {
        registry.durationHistogram("citygrid_message_age_seconds", labels: [("service", service), ("queue", queue)],
                                       buckets: Self.messageAgeBuckets,
                                       help: "Age of consumed messages at receipt: consumer wall clock minus the envelope time (negative counts as 0)")
    }

    /// From "as fast as it goes" to "an hour behind": queue lag ranges over orders of magnitude.
    static let messageAgeBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        .seconds(300), .seconds(900), .seconds(3_600),
    ]

    /// `citygrid_queue_depth{queue}`: messages ready in a consumed queue (not counting the ones
    /// delivered and not yet acked), refreshed periodically by the consumer.
    public func queueDepth(queue: String) -> Gauge {
        registry.gauge("citygrid_queue_depth", labels: [("service", service), ("queue", queue)],
                           help: "Messages ready in a consumed queue (passive queue.declare, refreshed about every 10 s)")
    }

    /// Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}

/// CityGrid names each metric whole (`citygrid_messages_published_total`), so a descriptor carries
/// the full name as its base name with no namespace, subsystem or unit parts (empty parts are left
/// out of the joined name), and the help text.
extension PrometheusCollectorRegistry {
    static func descriptor(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func counter(_ name: String, labels: [(String, String)], help: String) -> Counter {
        makeCounter(descriptor: Self.descriptor(name, help: help), labels: labels)
    }

    func gauge(_ name: String, labels: [(String, String)], help: String) -> Gauge {
        makeGauge(descriptor: Self.descriptor(name, help: help), labels: labels)
    }

    func durationHistogram(_ name: String, labels: [(String, String)], buckets: [Duration], help: String) -> DurationHistogram {
        makeDurationHistogram(descriptor: Self.descriptor(name, help: help), labels: labels, buckets: buckets)
    }

    func valueHistogram(_ name: String, labels: [(String, String)], buckets: [Double], help: String) -> ValueHistogram {
        makeValueHistogram(descriptor: Self.descriptor(name, help: help), labels: labels, buckets: buckets)
    }
}
