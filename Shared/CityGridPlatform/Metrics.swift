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
        published = registry.makeCounter(name: "citygrid_messages_published_total", labels: labels, help: "Messages handed to the broker by the outbox relay")
        confirmed = registry.makeCounter(name: "citygrid_messages_confirmed_total", labels: labels, help: "Published messages confirmed by the broker")
        returned = registry.makeCounter(name: "citygrid_messages_returned_total", labels: labels, help: "Published messages returned as unroutable (kept in the outbox and retried)")
        nacked = registry.makeCounter(name: "citygrid_messages_nacked_total", labels: labels, help: "Published messages the broker refused")
        consumed = registry.makeCounter(name: "citygrid_messages_consumed_total", labels: labels, help: "Deliveries received")
        redelivered = registry.makeCounter(name: "citygrid_messages_redelivered_total", labels: labels, help: "Deliveries flagged as redelivered by the broker")
        duplicatesSkipped = registry.makeCounter(name: "citygrid_messages_duplicates_skipped_total", labels: labels, help: "Deliveries already applied (inbox hit), acked without effect")
        deadLettered = registry.makeCounter(name: "citygrid_messages_dead_lettered_total", labels: labels, help: "Deliveries sent to the dead-letter queue with a reason")
        parked = registry.makeCounter(name: "citygrid_messages_parked_total", labels: labels, help: "Deliveries that arrived before the state they need and were parked for retry")
        unstorable = registry.makeCounter(name: "citygrid_messages_unstorable_total", labels: labels,
                                          help: "Valid messages this service could not store (a permanent database error) and dead-lettered: alert on any")
        blockedByDeadLetter = registry.makeCounter(name: "citygrid_messages_blocked_by_dead_letter_total", labels: labels,
                                                   help: "Messages that waited for an earlier, dead-lettered message of their case and were dead-lettered behind it")
        handlerFailures = registry.makeCounter(name: "citygrid_handler_failures_total", labels: labels, help: "Batches rolled back by a transient failure and requeued")
        outboxBacklog = registry.makeGauge(name: "citygrid_outbox_backlog", labels: labels, help: "Outbox rows not yet confirmed by the broker")
        parkedBacklog = registry.makeGauge(name: "citygrid_parked_backlog", labels: labels, help: "Parked messages waiting for their case to catch up")
        handlerLatency = registry.makeDurationHistogram(
            name: "citygrid_handler_batch_seconds", labels: labels,
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)],
            help: "Time to apply one batch of deliveries in one transaction")
        batchSize = registry.makeValueHistogram(name: "citygrid_consumer_batch_size", labels: labels, buckets: [1, 2, 5, 10, 20, 50, 100, 200], help: "Deliveries applied per transaction")
        httpRequests = registry.makeCounter(name: "citygrid_http_requests_total", labels: labels, help: "HTTP requests served")
        httpErrors = registry.makeCounter(name: "citygrid_http_errors_total", labels: labels, help: "HTTP requests answered with 4xx or 5xx")
    }

    /// `citygrid_message_age_seconds{queue}`: how long a consumed message waited since it was
    /// produced (its envelope `time`), as seen when the consumer receives it. One series per queue;
    /// asking again for the same queue returns the same histogram.
    public func messageAge(queue: String) -> DurationHistogram {
        registry.makeDurationHistogram(name: "citygrid_message_age_seconds", labels: [("service", service), ("queue", queue)],
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
        registry.makeGauge(name: "citygrid_queue_depth", labels: [("service", service), ("queue", queue)],
                           help: "Messages ready in a consumed queue (passive queue.declare, refreshed about every 10 s)")
    }

    /// Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}
