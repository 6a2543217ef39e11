"""A department's own system, written from docs/department-integration.md alone, with pika.

Consumes the department's queue; for every new task it signs for it (accept) and reports it done
(complete) on citygrid.dept-commands, with publisher confirms, acking each task only after both
commands were confirmed. Prints one line per handled case and exits after `count` tasks or
`timeout` seconds (exit 1 if fewer were handled).

argv: amqp_url department_code count timeout_seconds
"""
import datetime, json, sys, time, uuid
import pika

url, code, count, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()
channel.confirm_delivery()
channel.basic_qos(prefetch_count=10)
seen, handled = set(), []

def command(task, kind, **fields):
    body = {
        "specversion": "1.0", "id": str(uuid.uuid4()), "type": "citygrid.task.command.v1",
        "source": f"/{code.lower()}/work-orders", "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
        "subject": task["caseId"], "datacontenttype": "application/json",
        "data": {"dispatchId": task["dispatchId"], "command": kind, "actorId": f"{code.lower()}-team-1", **fields},
    }
    # Raises if the broker does not confirm (with confirm_delivery on, basic_publish waits for the ack).
    channel.basic_publish("citygrid.dept-commands", f"{code}.{kind}", json.dumps(body, ensure_ascii=False).encode(),
                          pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=body["id"],
                                               type=body["type"]), mandatory=True)

deadline = time.time() + timeout
for method, properties, body in channel.consume(f"dept.{code}.tasks", inactivity_timeout=1):
    if time.time() > deadline or len(handled) >= count:
        break
    if method is None:
        continue
    envelope = json.loads(body)
    if envelope.get("type") == "citygrid.task.dispatched.v1" and envelope["id"] not in seen:
        task = envelope["data"]
        command(task, "accept", note="已签收")
        command(task, "complete", result="已处置完毕", photos=["https://img.example.gov.cn/after.jpg"])
        handled.append(task["caseId"])
        print("handled", task["caseId"], task["caseNumber"], task["deadline"], flush=True)
    seen.add(envelope["id"])  # duplicates are possible (at-least-once): dedupe on the envelope id
    channel.basic_ack(method.delivery_tag)
channel.cancel()
connection.close()
sys.exit(0 if len(handled) >= count else 1)
