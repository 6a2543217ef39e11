import CRabbitMQ
import Foundation

/// One librabbitmq connection with one channel. Not thread-safe: every call must come from the
/// same thread (``AMQPPublisher`` and ``AMQPConsumer`` guarantee that with a ``BlockingThread``).
final class AMQPConnection {
    private var state: amqp_connection_state_t?
    private let channel: amqp_channel_t = 1
    private(set) var confirmsEnabled = false
    private var nextPublishTag: UInt64 = 1
    let endpoint: AMQPEndpoint

    init(endpoint: AMQPEndpoint) throws(AMQPError) {
        self.endpoint = endpoint
        let conn = try Self.login(endpoint)
        state = conn
        var st = cg_amqp_status()
        guard cg_amqp_channel_open(conn, channel, &st) == 0 else {
            cg_amqp_close(conn)
            state = nil
            throw Self.error(st)
        }
    }

    deinit { close() }

    /// Logs in to the first node of the endpoint that answers (see `nodesForNextAttempt`). Any
    /// failure moves on to the next node: a node that is booting or leaving the cluster closes
    /// connections during login just as a dead one refuses them.
    private static func login(_ endpoint: AMQPEndpoint) throws(AMQPError) -> amqp_connection_state_t {
        var failures: [String] = []
        var lastError = AMQPError(.connection, "no node to connect to")
        for node in endpoint.nodesForNextAttempt() {
            var status = cg_amqp_status()
            var conn: amqp_connection_state_t?
            let rc = cg_amqp_connect(node.host, Int32(node.port), endpoint.virtualHost, endpoint.user,
                                     endpoint.password, Int32(endpoint.heartbeatSeconds),
                                     Int32(endpoint.connectTimeoutMilliseconds),
                                     Int32(clamping: endpoint.tcpUserTimeoutMilliseconds), &conn, &status)
            if rc == 0, let conn { return conn }
            lastError = error(status)
            failures.append("\(node): \(lastError.message)")
        }
        if failures.count > 1 {
            throw AMQPError(.connection, "no node of the cluster answered (\(failures.joined(separator: "; ")))")
        }
        throw lastError
    }

    func close() {
        if let state { cg_amqp_close(state) }
        state = nil
    }

    var isOpen: Bool { state != nil }

    private func conn() throws(AMQPError) -> amqp_connection_state_t {
        guard let state else { throw AMQPError(.connection, "connection to \(endpoint.redacted) is closed") }
        return state
    }

    private static func error(_ status: cg_amqp_status) -> AMQPError {
        let text = withUnsafeBytes(of: status.text) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch status.kind {
        case 2: return AMQPError.fromBroker(code: status.reply_code, text: text, connectionClosed: false)
        case 3: return AMQPError.fromBroker(code: status.reply_code, text: text, connectionClosed: true)
        default: return AMQPError(.connection, text)
        }
    }

    /// Runs one RPC helper; any failure leaves the connection unusable (a closed channel is not
    /// reopened: the owner reconnects, which also re-declares topology).
    private func check(_ body: (amqp_connection_state_t, inout cg_amqp_status) -> Int32) throws(AMQPError) {
        let c = try conn()
        var status = cg_amqp_status()
        if body(c, &status) != 0 {
            close()
            throw Self.error(status)
        }
    }

    func declare(_ topology: Topology) throws(AMQPError) {
        for exchange in topology.exchanges {
            try check { c, st in
                cg_amqp_exchange_declare(c, channel, exchange.name, exchange.kind.rawValue, exchange.passive ? 1 : 0, 1, &st)
            }
        }
        for queue in topology.queues {
            try check { c, st in
                cg_amqp_queue_declare(c, channel, queue.name, queue.quorum ? 1 : 0, queue.deadLetterExchange,
                                      queue.deadLetterRoutingKey, Int32(queue.deliveryLimit),
                                      queue.atLeastOnceDeadLettering ? 1 : 0, 0, nil, &st)
            }
            for binding in queue.bindings {
                try check { c, st in cg_amqp_queue_bind(c, channel, queue.name, binding.exchange, binding.routingKey, &st) }
            }
        }
    }

    /// The number of ready messages in a queue (passive declare).
    func messageCount(queue: String) throws(AMQPError) -> Int {
        var count: UInt32 = 0
        try check { c, st in cg_amqp_queue_declare(c, channel, queue, 0, nil, nil, 0, 0, 1, &count, &st) }
        return Int(count)
    }

    func purge(queue: String) throws(AMQPError) {
        try check { c, st in cg_amqp_queue_purge(c, channel, queue, &st) }
    }

    func delete(queue: String) throws(AMQPError) {
        try check { c, st in cg_amqp_queue_delete(c, channel, queue, &st) }
    }

    func enableConfirms() throws(AMQPError) {
        try check { c, st in cg_amqp_confirm_select(c, channel, &st) }
        confirmsEnabled = true
        nextPublishTag = 1
    }

    /// Hands one message to the socket and returns its confirm sequence number.
    func publish(_ message: OutgoingMessage) throws(AMQPError) -> UInt64 {
        let c = try conn()
        let keys = Array(message.headers.keys).sorted()
        let values = keys.map { message.headers[$0] ?? "" }
        let rc: Int32 = withCStrings(keys) { keyPointers in
            withCStrings(values) { valuePointers in
                message.body.withUnsafeBytes { body in
                    cg_amqp_publish(c, channel, message.exchange, message.routingKey, message.mandatory ? 1 : 0,
                                    body.baseAddress, body.count, message.messageId, message.type,
                                    UInt64(max(0, message.timestamp.timeIntervalSince1970)),
                                    keyPointers, valuePointers, Int32(keys.count))
                }
            }
        }
        guard rc == 0 else {
            close()
            throw AMQPError(.connection, "publish failed: \(String(cString: amqp_error_string2(rc)))")
        }
        defer { nextPublishTag += 1 }
        return nextPublishTag
    }

    /// Waits until every tag in `pending` is acked or nacked. Returns carry the message id and
    /// arrive before the ack of the same message, so they are matched by id.
    func awaitConfirms(pending: [UInt64: String], timeoutMilliseconds: Int) throws(AMQPError) -> [String: PublishOutcome] {
        var open = pending
        var returned: [String: String] = [:]
        var outcomes: [String: PublishOutcome] = [:]
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        let c = try conn()
        func settle(_ tag: UInt64, multiple: Bool, nacked: Bool) {
            let tags = multiple ? open.keys.filter { $0 <= tag } : [tag]
            for t in tags {
                guard let id = open.removeValue(forKey: t) else { continue }
                if nacked {
                    outcomes[id] = .nacked
                } else if let reason = returned[id] {
                    outcomes[id] = .returned(reason: reason)
                } else {
                    outcomes[id] = .confirmed
                }
            }
        }
        while !open.isEmpty {
            let remaining = Int(deadline.timeIntervalSinceNow * 1000)
            if remaining <= 0 {
                close()
                throw AMQPError(.timeout, "no publisher confirm within \(timeoutMilliseconds) ms for \(open.count) message(s); broker blocked or unreachable")
            }
            var event = cg_amqp_publisher_event()
            cg_amqp_wait_publisher_event(c, Int32(min(remaining, 1_000)), &event)
            switch event.kind {
            case 0, 6: continue
            case 1: settle(event.delivery_tag, multiple: event.multiple != 0, nacked: false)
            case 2: settle(event.delivery_tag, multiple: event.multiple != 0, nacked: true)
            case 3: returned[cString(event.message_id)] = "unroutable: " + cString(event.text)
            case 4, 5:
                let text = cString(event.text)
                close()
                throw AMQPError.fromBroker(code: event.reply_code, text: text, connectionClosed: event.kind == 5)
            default:
                close()
                throw AMQPError(.connection, cString(event.text))
            }
        }
        return outcomes
    }

    /// Reads what the broker sent to an idle publishing connection without waiting: librabbitmq
    /// sends our heartbeat when one is due and takes the broker's. A connection is only serviced
    /// while it is used, and a publisher with nothing to publish for two heartbeat intervals would
    /// be closed by the broker as dead. A close from the broker closes this side too.
    func serviceIdle() throws(AMQPError) {
        let c = try conn()
        var event = cg_amqp_publisher_event()
        cg_amqp_wait_publisher_event(c, 0, &event)
        switch event.kind {
        case 0, 1, 2, 3, 6:
            // Nothing, or a confirm / return of a batch that already gave up waiting (its rows
            // were left unsent and go out again): nothing to act on.
            return
        case 4, 5:
            let text = cString(event.text)
            close()
            throw AMQPError.fromBroker(code: event.reply_code, text: text, connectionClosed: event.kind == 5)
        default:
            close()
            throw AMQPError(.connection, cString(event.text))
        }
    }

    func setPrefetch(_ count: Int) throws(AMQPError) {
        try check { c, st in cg_amqp_qos(c, channel, UInt16(clamping: count), &st) }
    }

    func startConsuming(queue: String, consumerTag: String) throws(AMQPError) {
        try check { c, st in cg_amqp_consume_start(c, channel, queue, consumerTag, &st) }
    }

    /// Waits up to `timeoutMilliseconds` for a delivery. Returns nil on timeout. While waiting,
    /// librabbitmq answers heartbeats.
    func nextDelivery(timeoutMilliseconds: Int, generation: Int) throws(AMQPError) -> Delivery? {
        let c = try conn()
        let raw = UnsafeMutablePointer<cg_amqp_delivery>.allocate(capacity: 1)
        defer { raw.deallocate() }
        cg_amqp_consume(c, Int32(timeoutMilliseconds), raw)
        defer { cg_amqp_delivery_free(raw) }
        let d = raw.pointee
        switch d.kind {
        case 0: return nil
        case 1:
            let body = d.body_len > 0 && d.body != nil
                ? Array(UnsafeRawBufferPointer(start: d.body, count: d.body_len)) : []
            return Delivery(
                deliveryTag: d.delivery_tag, connectionGeneration: generation, redelivered: d.redelivered != 0,
                body: body, messageId: cString(d.message_id), type: cString(d.type),
                routingKey: cString(d.routing_key), exchange: cString(d.exchange),
                deliveryCount: d.delivery_count >= 0 ? Int(d.delivery_count) : nil,
                headers: Self.stringHeaders(of: raw))
        case 4, 5:
            let text = cString(d.text)
            close()
            throw AMQPError.fromBroker(code: d.reply_code, text: text, connectionClosed: d.kind == 5)
        case 7:
            close()
            throw AMQPError(.channel, cString(d.text))
        default:
            close()
            throw AMQPError(.connection, cString(d.text))
        }
    }

    private static func stringHeaders(of delivery: UnsafeMutablePointer<cg_amqp_delivery>) -> [String: String] {
        let properties = delivery.pointee.envelope.message.properties
        guard properties._flags & UInt32(AMQP_BASIC_HEADERS_FLAG) != 0, let entries = properties.headers.entries else { return [:] }
        var result: [String: String] = [:]
        for i in 0..<Int(properties.headers.num_entries) {
            let entry = entries[i]
            guard entry.value.kind == UInt8(AMQP_FIELD_KIND_UTF8.rawValue) || entry.value.kind == UInt8(AMQP_FIELD_KIND_BYTES.rawValue) else { continue }
            result[string(entry.key)] = string(entry.value.value.bytes)
        }
        return result
    }

    private static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let base = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    func ack(_ tag: UInt64) throws(AMQPError) {
        let rc = amqp_basic_ack(try conn(), channel, tag, 0)
        if rc != 0 { close(); throw AMQPError(.connection, "ack failed: \(String(cString: amqp_error_string2(rc)))") }
    }

    func nack(_ tag: UInt64, requeue: Bool) throws(AMQPError) {
        let rc = amqp_basic_nack(try conn(), channel, tag, 0, requeue ? 1 : 0)
        if rc != 0 { close(); throw AMQPError(.connection, "nack failed: \(String(cString: amqp_error_string2(rc)))") }
    }
}

/// Reads a NUL-terminated C char array imported as a tuple.
func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

/// Calls `body` with C strings for `strings` that stay valid for the whole call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    if strings.isEmpty { return body(nil) }
    var owned: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { owned.forEach { free($0) } }
    return owned.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(buffer.count, 1)) { body($0) }
    }
}
