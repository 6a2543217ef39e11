"""A hotline platform's adapter for CityGrid's notices, written with pika from docs/asyncapi.yaml
(channel channelNotices, message citygrid.channel.notice.v1) alone.

It declares its own durable queue, binds it to exchange citygrid.outbound with `<address>.#`,
and consumes with manual acknowledgement: each notice is appended to a JSON-lines file (the
platform's "database") and flushed to disk before it is acked. A notice whose noticeId is already
in the file is a redelivery: acked, not stored again. Messages of other types are acked and
skipped (new types may appear). Once bound it creates `<out>.ready`; it stops after `timeout`
seconds or when `<out>.stop` appears.

Given verdicts (channel returnVisits, message citygrid.hotline.return-visit.v1), it also plays the
agent who calls the citizen back: the n-th `closed` notice it stores is answered with the n-th
verdict, published to citygrid.inbound as `return-visit.<address>` with publisher confirms, after
the notice is stored and before it is acked (a crash in between sends the same visitId again,
which CityGrid records once). Each answer is written to `<out>.visits`.

argv: amqp_url address queue out_file timeout_seconds [verdicts]
verdicts: `verdict:note` items separated by `|`, e.g. `dissatisfied:垃圾又堆起来了|satisfied:`
"""
import json, os, sys, time, uuid
from datetime import datetime, timezone
import pika

url, address, queue, out, timeout = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
verdicts = [item.split(":", 1) for item in sys.argv[6].split("|")] if len(sys.argv) > 6 and sys.argv[6] else []

stored = set()
if os.path.exists(out):
    with open(out, encoding="utf-8") as f:
        stored = {json.loads(line)["noticeId"] for line in f if line.strip()}

connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()
channel.queue_declare(queue, durable=True)
channel.queue_bind(queue, "citygrid.outbound", routing_key=f"{address}.#")
channel.basic_qos(prefetch_count=20)
answers = connection.channel()
answers.confirm_delivery()
closed_seen = 0
if os.path.exists(out):
    with open(out, encoding="utf-8") as f:
        closed_seen = sum(1 for line in f if line.strip() and json.loads(line)["kind"] == "closed")


def answer(notice, number):
    """Publishes the citizen's verdict on the case `notice` closed, as the agent's return visit."""
    verdict, note = verdicts[number]
    visit = {"visitId": f"HV-{notice['channelReference']}-{number + 1}", "channel": notice["channel"],
             "channelReference": notice["channelReference"], "verdict": verdict,
             "visitedAt": datetime.now(timezone.utc).isoformat(timespec="seconds"), "visitedBy": "agent-7"}
    if note:
        visit["note"] = note
    envelope = {"id": str(uuid.uuid4()), "type": "citygrid.hotline.return-visit.v1", "source": f"/hotline/{address}",
                "specversion": "1.0", "time": visit["visitedAt"], "subject": visit["visitId"],
                "datacontenttype": "application/json", "data": visit}
    answers.basic_publish("citygrid.inbound", f"return-visit.{address}", json.dumps(envelope, ensure_ascii=False).encode(),
                          pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=envelope["id"],
                                               type=envelope["type"]), mandatory=True)
    with open(out + ".visits", "a", encoding="utf-8") as log:
        log.write(json.dumps(visit, ensure_ascii=False) + "\n")


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
                if notice["kind"] == "closed":
                    if closed_seen < len(verdicts):
                        answer(notice, closed_seen)
                    closed_seen += 1
        channel.basic_ack(method.delivery_tag)
channel.cancel()
connection.close()
