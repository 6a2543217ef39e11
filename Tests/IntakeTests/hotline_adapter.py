"""A hotline platform's adapter for CityGrid's notices, written with pika from docs/asyncapi.yaml
(channel channelNotices, message citygrid.channel.notice.v1) alone.

It declares its own durable queue, binds it to exchange citygrid.outbound with `<address>.#`,
and consumes with manual acknowledgement: each notice is appended to a JSON-lines file (the
platform's "database") and flushed to disk before it is acked. A notice whose noticeId is already
in the file is a redelivery: acked, not stored again. Messages of other types are acked and
skipped (new types may appear). Once bound it creates `<out>.ready`; it stops after `timeout`
seconds or when `<out>.stop` appears.

argv: amqp_url address queue out_file timeout_seconds
"""
import json, os, sys, time
import pika

url, address, queue, out, timeout = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])

stored = set()
if os.path.exists(out):
    with open(out, encoding="utf-8") as f:
        stored = {json.loads(line)["noticeId"] for line in f if line.strip()}

connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()
channel.queue_declare(queue, durable=True)
channel.queue_bind(queue, "citygrid.outbound", routing_key=f"{address}.#")
channel.basic_qos(prefetch_count=20)
open(out + ".ready", "w").close()

deadline = time.time() + timeout
with open(out, "a", encoding="utf-8") as sink:
    for method, properties, body in channel.consume(queue, inactivity_timeout=0.5):
        if time.time() > deadline or os.path.exists(out + ".stop"):
            break
        if method is None:
            continue
        envelope = json.loads(body)
        if envelope.get("type") == "citygrid.channel.notice.v1":
            notice = envelope["data"]
            if notice["noticeId"] not in stored:
                record = dict(notice, routingKey=method.routing_key, envelopeId=envelope["id"], redelivered=method.redelivered)
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                sink.flush()
                os.fsync(sink.fileno())
                stored.add(notice["noticeId"])
        channel.basic_ack(method.delivery_tag)
channel.cancel()
connection.close()
