// librabbitmq 0.11 helpers for CityGrid. Only AMQPClient imports this module.
//
// Why a shim: amqp_login is variadic (Swift cannot call it), field tables are awkward to
// build from Swift, and amqp_cstring_bytes must not outlive the C string it points at.
// Every helper here takes plain C strings whose lifetime is the call, and returns flat
// structs Swift can copy out of. librabbitmq connections are not thread-safe: callers
// confine each connection to one thread.
#ifndef CITYGRID_CRABBITMQ_SHIM_H
#define CITYGRID_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/// Outcome of one protocol step. kind: 0 ok, 1 library error, 2 server closed channel,
/// 3 server closed connection.
typedef struct {
    int kind;
    int library_error;
    uint16_t reply_code;
    char text[384];
} cg_amqp_status;

static inline void cg_status_ok(cg_amqp_status *st) {
    st->kind = 0; st->library_error = 0; st->reply_code = 0; st->text[0] = 0;
}

static inline void cg_status_library(cg_amqp_status *st, int err, const char *what) {
    st->kind = 1; st->library_error = err; st->reply_code = 0;
    snprintf(st->text, sizeof st->text, "%s: %s", what, amqp_error_string2(err));
}

static inline void cg_copy_bytes(char *dst, size_t cap, amqp_bytes_t b) {
    size_t n = b.len < cap - 1 ? b.len : cap - 1;
    if (n > 0 && b.bytes) memcpy(dst, b.bytes, n);
    dst[n] = 0;
}

static inline int cg_status_from_reply(amqp_rpc_reply_t r, const char *what, cg_amqp_status *st) {
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        cg_status_ok(st); return 0;
    case AMQP_RESPONSE_NONE:
        st->kind = 1; st->library_error = 0; st->reply_code = 0;
        snprintf(st->text, sizeof st->text, "%s: missing RPC reply", what); return -1;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        cg_status_library(st, r.library_error, what); return -1;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            amqp_connection_close_t *m = (amqp_connection_close_t *)r.reply.decoded;
            char t[300]; cg_copy_bytes(t, sizeof t, m->reply_text);
            st->kind = 3; st->reply_code = m->reply_code;
            snprintf(st->text, sizeof st->text, "%s: connection closed by broker: %u %s", what, m->reply_code, t);
        } else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = (amqp_channel_close_t *)r.reply.decoded;
            char t[300]; cg_copy_bytes(t, sizeof t, m->reply_text);
            st->kind = 2; st->reply_code = m->reply_code;
            snprintf(st->text, sizeof st->text, "%s: channel closed by broker: %u %s", what, m->reply_code, t);
        } else {
            st->kind = 3; st->reply_code = 0;
            snprintf(st->text, sizeof st->text, "%s: unexpected server method 0x%08X", what, r.reply.id);
        }
        return -1;
    }
    return -1;
}

/// Opens a TCP connection and logs in. On success *out holds the connection.
/// A positive tcp_user_timeout_ms sets TCP_USER_TIMEOUT on the socket: data the broker has not
/// acknowledged for that long (a peer gone without RST or FIN) fails the connection, so a send
/// blocked on a full buffer cannot wait forever; heartbeats cover a connection that only reads.
static inline int cg_amqp_connect(const char *host, int port, const char *vhost, const char *user,
                                  const char *password, int heartbeat_seconds, int connect_timeout_ms,
                                  int tcp_user_timeout_ms,
                                  amqp_connection_state_t *out, cg_amqp_status *st) {
    amqp_connection_state_t conn = amqp_new_connection();
    if (!conn) { cg_status_library(st, AMQP_STATUS_NO_MEMORY, "allocating connection"); return -1; }
    amqp_socket_t *sock = amqp_tcp_socket_new(conn);
    if (!sock) { amqp_destroy_connection(conn); cg_status_library(st, AMQP_STATUS_NO_MEMORY, "creating socket"); return -1; }
    struct timeval tv = { connect_timeout_ms / 1000, (connect_timeout_ms % 1000) * 1000 };
    int rc = amqp_socket_open_noblock(sock, host, port, &tv);
    if (rc != AMQP_STATUS_OK) {
        amqp_destroy_connection(conn);
        st->kind = 1; st->library_error = rc; st->reply_code = 0;
        snprintf(st->text, sizeof st->text, "cannot reach broker at %s:%d: %s", host, port, amqp_error_string2(rc));
        return -1;
    }
    if (tcp_user_timeout_ms > 0) {
        int fd = amqp_socket_get_sockfd(sock);
        unsigned int ms = (unsigned int)tcp_user_timeout_ms;
        if (fd >= 0) (void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
    }
    amqp_rpc_reply_t r = amqp_login(conn, vhost, 0, 131072, heartbeat_seconds, AMQP_SASL_METHOD_PLAIN, user, password);
    if (cg_status_from_reply(r, "login", st) != 0) {
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_CONNECTION_CLOSED) {
            snprintf(st->text, sizeof st->text, "login refused for user '%s' on vhost '%s' (wrong credentials or no access to the vhost)", user, vhost);
        }
        amqp_destroy_connection(conn);
        return -1;
    }
    *out = conn;
    cg_status_ok(st);
    return 0;
}

static inline int cg_amqp_channel_open(amqp_connection_state_t c, amqp_channel_t ch, cg_amqp_status *st) {
    amqp_channel_open(c, ch);
    return cg_status_from_reply(amqp_get_rpc_reply(c), "channel.open", st);
}

static inline int cg_amqp_confirm_select(amqp_connection_state_t c, amqp_channel_t ch, cg_amqp_status *st) {
    amqp_confirm_select(c, ch);
    return cg_status_from_reply(amqp_get_rpc_reply(c), "confirm.select", st);
}

static inline int cg_amqp_qos(amqp_connection_state_t c, amqp_channel_t ch, uint16_t prefetch, cg_amqp_status *st) {
    amqp_basic_qos(c, ch, 0, prefetch, 0);
    return cg_status_from_reply(amqp_get_rpc_reply(c), "basic.qos", st);
}

static inline int cg_amqp_exchange_declare(amqp_connection_state_t c, amqp_channel_t ch, const char *name,
                                           const char *type, int passive, int durable, cg_amqp_status *st) {
    amqp_exchange_declare(c, ch, amqp_cstring_bytes(name), amqp_cstring_bytes(type), passive, durable, 0, 0,
                          amqp_empty_table);
    return cg_status_from_reply(amqp_get_rpc_reply(c), "exchange.declare", st);
}

/// Declares a durable queue. quorum!=0 makes it a quorum queue. dead_letter_exchange may be NULL.
/// delivery_limit > 0 sets x-delivery-limit (quorum only). at_least_once_dead_letter turns on the
/// quorum-queue at-least-once dead-letter strategy (requires overflow reject-publish).
static inline int cg_amqp_queue_declare(amqp_connection_state_t c, amqp_channel_t ch, const char *name, int quorum,
                                        const char *dead_letter_exchange, const char *dead_letter_routing_key,
                                        int delivery_limit, int at_least_once_dead_letter, int passive,
                                        uint32_t *message_count, cg_amqp_status *st) {
    amqp_table_entry_t entries[6];
    int n = 0;
    if (quorum) {
        entries[n].key = amqp_cstring_bytes("x-queue-type");
        entries[n].value.kind = AMQP_FIELD_KIND_UTF8;
        entries[n].value.value.bytes = amqp_cstring_bytes("quorum");
        n++;
    }
    if (dead_letter_exchange) {
        entries[n].key = amqp_cstring_bytes("x-dead-letter-exchange");
        entries[n].value.kind = AMQP_FIELD_KIND_UTF8;
        entries[n].value.value.bytes = amqp_cstring_bytes(dead_letter_exchange);
        n++;
        if (dead_letter_routing_key) {
            entries[n].key = amqp_cstring_bytes("x-dead-letter-routing-key");
            entries[n].value.kind = AMQP_FIELD_KIND_UTF8;
            entries[n].value.value.bytes = amqp_cstring_bytes(dead_letter_routing_key);
            n++;
        }
    }
    if (quorum && delivery_limit > 0) {
        entries[n].key = amqp_cstring_bytes("x-delivery-limit");
        entries[n].value.kind = AMQP_FIELD_KIND_I64;
        entries[n].value.value.i64 = delivery_limit;
        n++;
    }
    if (quorum && dead_letter_exchange && at_least_once_dead_letter) {
        entries[n].key = amqp_cstring_bytes("x-dead-letter-strategy");
        entries[n].value.kind = AMQP_FIELD_KIND_UTF8;
        entries[n].value.value.bytes = amqp_cstring_bytes("at-least-once");
        n++;
        entries[n].key = amqp_cstring_bytes("x-overflow");
        entries[n].value.kind = AMQP_FIELD_KIND_UTF8;
        entries[n].value.value.bytes = amqp_cstring_bytes("reject-publish");
        n++;
    }
    amqp_table_t args = { n, entries };
    amqp_queue_declare_ok_t *ok = amqp_queue_declare(c, ch, amqp_cstring_bytes(name), passive, 1, 0, 0, args);
    int rc = cg_status_from_reply(amqp_get_rpc_reply(c), "queue.declare", st);
    if (rc == 0 && ok && message_count) *message_count = ok->message_count;
    return rc;
}

static inline int cg_amqp_queue_bind(amqp_connection_state_t c, amqp_channel_t ch, const char *queue,
                                     const char *exchange, const char *routing_key, cg_amqp_status *st) {
    amqp_queue_bind(c, ch, amqp_cstring_bytes(queue), amqp_cstring_bytes(exchange), amqp_cstring_bytes(routing_key),
                    amqp_empty_table);
    return cg_status_from_reply(amqp_get_rpc_reply(c), "queue.bind", st);
}

static inline int cg_amqp_queue_purge(amqp_connection_state_t c, amqp_channel_t ch, const char *queue, cg_amqp_status *st) {
    amqp_queue_purge(c, ch, amqp_cstring_bytes(queue));
    return cg_status_from_reply(amqp_get_rpc_reply(c), "queue.purge", st);
}

static inline int cg_amqp_queue_delete(amqp_connection_state_t c, amqp_channel_t ch, const char *queue, cg_amqp_status *st) {
    amqp_queue_delete(c, ch, amqp_cstring_bytes(queue), 0, 0);
    return cg_status_from_reply(amqp_get_rpc_reply(c), "queue.delete", st);
}

/// Publishes one persistent JSON message. Header keys/values are parallel arrays of C strings.
/// Returns an AMQP_STATUS_* code (0 = handed to the socket; confirmation comes later).
static inline int cg_amqp_publish(amqp_connection_state_t c, amqp_channel_t ch, const char *exchange,
                                  const char *routing_key, int mandatory, const void *body, size_t body_len,
                                  const char *message_id, const char *type, uint64_t timestamp,
                                  const char *const *header_keys, const char *const *header_values, int header_count) {
    amqp_basic_properties_t p;
    memset(&p, 0, sizeof p);
    p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
               AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_HEADERS_FLAG;
    p.content_type = amqp_cstring_bytes("application/json");
    p.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    p.message_id = amqp_cstring_bytes(message_id);
    p.type = amqp_cstring_bytes(type);
    p.timestamp = timestamp;
    amqp_table_entry_t entries[16];
    int n = header_count < 16 ? header_count : 16;
    for (int i = 0; i < n; i++) {
        entries[i].key = amqp_cstring_bytes(header_keys[i]);
        entries[i].value.kind = AMQP_FIELD_KIND_UTF8;
        entries[i].value.value.bytes = amqp_cstring_bytes(header_values[i]);
    }
    p.headers.num_entries = n;
    p.headers.entries = entries;
    amqp_bytes_t b = { body_len, (void *)body };
    return amqp_basic_publish(c, ch, amqp_cstring_bytes(exchange), amqp_cstring_bytes(routing_key), mandatory, 0, &p, b);
}

/// One frame of interest to a publisher: kind 0 timeout, 1 basic.ack, 2 basic.nack, 3 basic.return
/// (message_id filled), 4 channel closed by broker, 5 connection closed, 6 other (ignored), -1 error.
typedef struct {
    int kind;
    amqp_channel_t channel;
    uint64_t delivery_tag;
    int multiple;
    uint16_t reply_code;
    char message_id[128];
    char text[384];
} cg_amqp_publisher_event;

static inline void cg_amqp_handle_close(amqp_connection_state_t c, amqp_frame_t *f, int *kind, uint16_t *code, char *text, size_t cap) {
    if (f->payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_t *m = (amqp_channel_close_t *)f->payload.method.decoded;
        char t[300]; cg_copy_bytes(t, sizeof t, m->reply_text);
        *code = m->reply_code;
        snprintf(text, cap, "channel closed by broker: %u %s", m->reply_code, t);
        amqp_channel_close_ok_t ok = {0};
        amqp_send_method(c, f->channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        *kind = 4;
    } else {
        amqp_connection_close_t *m = (amqp_connection_close_t *)f->payload.method.decoded;
        char t[300]; cg_copy_bytes(t, sizeof t, m->reply_text);
        *code = m->reply_code;
        snprintf(text, cap, "connection closed by broker: %u %s", m->reply_code, t);
        amqp_connection_close_ok_t ok = {0};
        amqp_send_method(c, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        *kind = 5;
    }
}

static inline void cg_amqp_wait_publisher_event(amqp_connection_state_t c, int timeout_ms, cg_amqp_publisher_event *ev) {
    memset(ev, 0, sizeof *ev);
    amqp_frame_t f;
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    amqp_maybe_release_buffers(c);
    int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
    if (rc == AMQP_STATUS_TIMEOUT) { ev->kind = 0; return; }
    if (rc != AMQP_STATUS_OK) { ev->kind = -1; snprintf(ev->text, sizeof ev->text, "waiting for confirms: %s", amqp_error_string2(rc)); return; }
    ev->channel = f.channel;
    if (f.frame_type != AMQP_FRAME_METHOD) { ev->kind = 6; return; }
    switch (f.payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
        amqp_basic_ack_t *m = (amqp_basic_ack_t *)f.payload.method.decoded;
        ev->kind = 1; ev->delivery_tag = m->delivery_tag; ev->multiple = m->multiple; return;
    }
    case AMQP_BASIC_NACK_METHOD: {
        amqp_basic_nack_t *m = (amqp_basic_nack_t *)f.payload.method.decoded;
        ev->kind = 2; ev->delivery_tag = m->delivery_tag; ev->multiple = m->multiple; return;
    }
    case AMQP_BASIC_RETURN_METHOD: {
        amqp_basic_return_t *m = (amqp_basic_return_t *)f.payload.method.decoded;
        char t[200]; cg_copy_bytes(t, sizeof t, m->reply_text);
        char rk[160]; cg_copy_bytes(rk, sizeof rk, m->routing_key);
        ev->reply_code = m->reply_code;
        snprintf(ev->text, sizeof ev->text, "%u %s (routing key '%s')", m->reply_code, t, rk);
        amqp_message_t msg;
        amqp_rpc_reply_t r = amqp_read_message(c, f.channel, &msg, 0);
        if (r.reply_type != AMQP_RESPONSE_NORMAL) { ev->kind = -1; snprintf(ev->text, sizeof ev->text, "reading returned message failed"); return; }
        if (msg.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) cg_copy_bytes(ev->message_id, sizeof ev->message_id, msg.properties.message_id);
        amqp_destroy_message(&msg);
        ev->kind = 3; return;
    }
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
        cg_amqp_handle_close(c, &f, &ev->kind, &ev->reply_code, ev->text, sizeof ev->text);
        return;
    default:
        ev->kind = 6; return;
    }
}

static inline int cg_amqp_consume_start(amqp_connection_state_t c, amqp_channel_t ch, const char *queue,
                                        const char *consumer_tag, cg_amqp_status *st) {
    amqp_basic_consume(c, ch, amqp_cstring_bytes(queue), amqp_cstring_bytes(consumer_tag), 0, 0, 0, amqp_empty_table);
    return cg_status_from_reply(amqp_get_rpc_reply(c), "basic.consume", st);
}

/// A delivery copied out into flat fields; `envelope` must be released with cg_amqp_delivery_free.
typedef struct {
    int kind; // 0 timeout, 1 delivery, 4 channel closed, 5 connection closed, 7 consumer cancelled, -1 error
    amqp_envelope_t envelope;
    uint64_t delivery_tag;
    int redelivered;
    const void *body;
    size_t body_len;
    char message_id[128];
    char type[160];
    char routing_key[256];
    char exchange[160];
    long long delivery_count; // x-delivery-count header of quorum queues, -1 when absent
    uint16_t reply_code;
    char text[384];
} cg_amqp_delivery;

static inline long long cg_table_int(const amqp_table_t *t, const char *key) {
    size_t kl = strlen(key);
    for (int i = 0; i < t->num_entries; i++) {
        amqp_table_entry_t *e = &t->entries[i];
        if (e->key.len == kl && memcmp(e->key.bytes, key, kl) == 0) {
            switch (e->value.kind) {
            case AMQP_FIELD_KIND_I8: return e->value.value.i8;
            case AMQP_FIELD_KIND_U8: return e->value.value.u8;
            case AMQP_FIELD_KIND_I16: return e->value.value.i16;
            case AMQP_FIELD_KIND_U16: return e->value.value.u16;
            case AMQP_FIELD_KIND_I32: return e->value.value.i32;
            case AMQP_FIELD_KIND_U32: return e->value.value.u32;
            case AMQP_FIELD_KIND_I64: return e->value.value.i64;
            case AMQP_FIELD_KIND_U64: return (long long)e->value.value.u64;
            default: return -1;
            }
        }
    }
    return -1;
}

/// Copies a string header of a delivery into buf; returns its length or -1 when absent.
static inline int cg_amqp_delivery_header(const cg_amqp_delivery *d, const char *key, char *buf, size_t cap) {
    const amqp_basic_properties_t *p = &d->envelope.message.properties;
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG)) return -1;
    size_t kl = strlen(key);
    for (int i = 0; i < p->headers.num_entries; i++) {
        amqp_table_entry_t *e = &p->headers.entries[i];
        if (e->key.len == kl && memcmp(e->key.bytes, key, kl) == 0) {
            if (e->value.kind == AMQP_FIELD_KIND_UTF8 || e->value.kind == AMQP_FIELD_KIND_BYTES) {
                cg_copy_bytes(buf, cap, e->value.value.bytes);
                return (int)strlen(buf);
            }
            return -1;
        }
    }
    return -1;
}

static inline void cg_amqp_consume(amqp_connection_state_t c, int timeout_ms, cg_amqp_delivery *d) {
    memset(d, 0, sizeof *d);
    d->delivery_count = -1;
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    amqp_maybe_release_buffers(c);
    amqp_rpc_reply_t r = amqp_consume_message(c, &d->envelope, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
        amqp_envelope_t *e = &d->envelope;
        amqp_basic_properties_t *p = &e->message.properties;
        d->kind = 1;
        d->delivery_tag = e->delivery_tag;
        d->redelivered = e->redelivered;
        d->body = e->message.body.bytes;
        d->body_len = e->message.body.len;
        if (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) cg_copy_bytes(d->message_id, sizeof d->message_id, p->message_id);
        if (p->_flags & AMQP_BASIC_TYPE_FLAG) cg_copy_bytes(d->type, sizeof d->type, p->type);
        cg_copy_bytes(d->routing_key, sizeof d->routing_key, e->routing_key);
        cg_copy_bytes(d->exchange, sizeof d->exchange, e->exchange);
        if (p->_flags & AMQP_BASIC_HEADERS_FLAG) d->delivery_count = cg_table_int(&p->headers, "x-delivery-count");
        return;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT) { d->kind = 0; return; }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        // Something other than a delivery arrived: read it and decide.
        amqp_frame_t f;
        int rc = amqp_simple_wait_frame(c, &f);
        if (rc != AMQP_STATUS_OK) { d->kind = -1; snprintf(d->text, sizeof d->text, "reading frame: %s", amqp_error_string2(rc)); return; }
        if (f.frame_type == AMQP_FRAME_METHOD) {
            switch (f.payload.method.id) {
            case AMQP_CHANNEL_CLOSE_METHOD:
            case AMQP_CONNECTION_CLOSE_METHOD:
                cg_amqp_handle_close(c, &f, &d->kind, &d->reply_code, d->text, sizeof d->text);
                return;
            case AMQP_BASIC_CANCEL_METHOD:
                d->kind = 7; snprintf(d->text, sizeof d->text, "consumer cancelled by broker (queue deleted?)");
                return;
            default:
                break;
            }
        }
        d->kind = 0; // e.g. a stray ack: nothing to deliver this round
        return;
    }
    d->kind = -1;
    cg_amqp_status st;
    cg_status_from_reply(r, "consume", &st);
    memcpy(d->text, st.text, sizeof d->text);
    d->reply_code = st.reply_code;
}

static inline void cg_amqp_delivery_free(cg_amqp_delivery *d) {
    if (d->kind == 1) amqp_destroy_envelope(&d->envelope);
}

static inline void cg_amqp_close(amqp_connection_state_t c) {
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
}

#endif
