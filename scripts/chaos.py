#!/usr/bin/env python3
"""Fault-injection suite with a consistency checker (bounded in time; stops by itself).

For each scenario it starts the five services on its own scratch database and vhost (citygrid_chaos,
citygrid-chaos, made anew per run), drives supervisor reports
into intake (open loop, each with its own Idempotency-Key), injects the scenario's fault in the middle
of the load, waits for quiescence, and checks every schema:
  lost        submitted report with no intake case, or an intake case supervision never saw
  duplicated  more than one intake case for one key, more than one first dispatch for one case,
              a timeline with repeated or missing sequence numbers
  stuck       a case not dispatched (or in the manual queue) after quiescence, unsent outbox rows,
              dead letters other than the injected poison
The scenario kill-supervision-mid-upload uploads photos to supervision's evidence store while
supervision is killed and restarted, and sends a report for each accepted upload; lost then also
counts an accepted upload without its record, its file or the file's right hash, and stuck a
referenced upload that its case's first entry does not show.
The scenario network-blip (reliability #8, root only) runs each service in its own network namespace
and drops and throttles the links under load; see network_blip.
Usage: scripts/chaos.py [--reports N] [--scenario NAME ...]   (after scripts/infra up and swift build)
"""
import argparse, atexit, datetime, json, os, random, signal, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request, uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.environ.get("CITYGRID_STATE_DIR", os.path.join(REPO, ".state"))
BIN = os.environ.get("CITYGRID_BIN_DIR", os.path.join(REPO, ".build", "debug"))
INFRA = os.path.join(REPO, "scripts", "infra")
SERVICES = {"intake": ("INTAKE", 19081), "grid-routing": ("ROUTING", 19082), "disposal": ("DISPOSAL", 19083),
            "supervision": ("SUPERVISION", 19084), "assessment": ("ASSESSMENT", 19085)}
SCHEMAS = ["intake", "routing", "disposal", "supervision", "assessment"]
EVIDENCE_DIR = os.path.join(STATE, "chaos-evidence")
# Where each service's HTTP port is reached: loopback, or its network namespace's address
# (network-blip).
HOSTS = {n: "127.0.0.1" for n in SERVICES}

def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)

# --cluster: the services are given the three nodes of `scripts/infra cluster` (comma-separated URLs)
# and the cluster scenarios run there; the database is the same scratch database.
CLUSTER = "--cluster" in sys.argv

def test_env():
    env = {}
    for line in open(os.path.join(STATE, "env", "cluster" if CLUSTER else "", "test.env")):
        if line.startswith("export "):
            k, v = line[7:].strip().split("=", 1)
            env[k] = v.strip("'")
    return env

ENV = test_env()

def use_scratch(name="chaos"):
    """Runs the suite in its own database and vhost (scripts/infra scratch), made anew: no rows,
    queues or consumers of other suites, and the checker sees only this run's work."""
    subprocess.run([INFRA, "scratch", name], check=True, stdin=subprocess.DEVNULL)
    for k, v in list(ENV.items()):
        if k.startswith("CITYGRID_TEST_DB_URL_") or k == "CITYGRID_TEST_PG_ADMIN_URL":
            ENV[k] = v.replace("/citygrid_test", f"/citygrid_{name}")
        elif (k.startswith("CITYGRID_TEST_AMQP_URL_") or k == "CITYGRID_TEST_AMQP_ADMIN_URL") and not CLUSTER:
            ENV[k] = v.replace("/citygrid-test", f"/citygrid-{name}")
    if not CLUSTER:
        # The scratch vhost lives on the single node; on the cluster the run uses its test vhost,
        # emptied before each scenario (purge_queues).
        ENV["CITYGRID_TEST_AMQP_VHOST"] = f"citygrid-{name}"

def sql(query):
    # On standard input: a check over thousands of keys is longer than one argument may be.
    out = subprocess.run(["psql", ENV["CITYGRID_TEST_PG_ADMIN_URL"], "-At", "-v", "ON_ERROR_STOP=1", "-f", "-"],
                         input=query, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return [line.split("|") for line in out.stdout.strip().splitlines() if line]

class Services:
    def __init__(self, extra_env=None, netns=None):
        self.procs = {}
        self.extra_env = extra_env or {}
        # network-blip: {"heartbeat": seconds}; each service then runs in its own network
        # namespace and reaches the broker and the database over the bridge.
        self.netns = netns

    def start(self, name, instance=1, fault=None):
        """Starts `name` (a second instance on its own port, sharing the schema and queues; `fault`
        arms a fault-injection point)."""
        user, port = SERVICES[name]
        env = dict(os.environ, CITYGRID_DB_URL=ENV[f"CITYGRID_TEST_DB_URL_{user}"], CITYGRID_AMQP_URL=ENV[f"CITYGRID_TEST_AMQP_URL_{user}"],
                   CITYGRID_HTTP_PORT=str(port + 100 * (instance - 1)), CITYGRID_LOG_LEVEL="warning", CITYGRID_STARTUP_TIMEOUT="60",
                   CITYGRID_EVIDENCE_DIR=EVIDENCE_DIR, **self.extra_env)
        if fault:
            env["CITYGRID_FAULT"] = fault
        command = [os.path.join(BIN, name)]
        if self.netns:
            # `ip netns exec` execs the service, so the pid is the service's own.
            command = ["ip", "netns", "exec", netns_name(name)] + command
            env.update(netns_service_env(env, self.netns["heartbeat"]))
        key = name if instance == 1 else f"{name}#{instance}"
        logf = open(os.path.join(STATE, f"chaos-{key}.log"), "a")
        self.procs[key] = subprocess.Popen(command, env=env, stdout=logf, stderr=logf, stdin=subprocess.DEVNULL)

    def ready(self, name, timeout=60, instance=1):
        port = SERVICES[name][1] + 100 * (instance - 1)
        end = time.time() + timeout
        while time.time() < end:
            try:
                with urllib.request.urlopen(f"http://{HOSTS[name]}:{port}/health/ready", timeout=2) as r:
                    if r.status == 200:
                        return True
            except Exception:
                time.sleep(0.3)
        return False

    def start_all(self):
        # A port still held (say by the services of a run that was interrupted) would leave the
        # new process dead and the suite talking to the old one.
        import socket
        for n, (_, port) in SERVICES.items():
            with socket.socket() as probe:
                probe.settimeout(2)
                if probe.connect_ex((HOSTS[n], port)) == 0:
                    raise RuntimeError(f"port {port} ({n}) is already in use: stop what holds it first")
        for n in SERVICES:
            self.start(n)
        for n in SERVICES:
            if not self.ready(n):
                raise RuntimeError(f"{n} not ready; see {STATE}/chaos-{n}.log")

    def kill9(self, name):
        self.procs[name].send_signal(signal.SIGKILL); self.procs[name].wait()

    def term(self, name):
        self.procs[name].send_signal(signal.SIGTERM)
        try:
            self.procs[name].wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill9(name)

    def stop_all(self):
        for n in list(self.procs):
            if self.procs[n].poll() is None:
                self.term(n)

def purge_queues():
    """Empties every queue of the test vhost, so leftovers of earlier test runs (messages published
    while their consumer was not running) are not mistaken for this run's effects."""
    import base64
    auth = "Basic " + base64.b64encode(f"{ENV['CITYGRID_TEST_AMQP_ADMIN_USER']}:{ENV['CITYGRID_TEST_AMQP_ADMIN_PASSWORD']}".encode()).decode()
    vhost = urllib.parse.quote(ENV["CITYGRID_TEST_AMQP_VHOST"], safe="")
    base = ENV["CITYGRID_TEST_AMQP_MGMT_URL"]
    with urllib.request.urlopen(urllib.request.Request(f"{base}/api/queues/{vhost}", headers={"Authorization": auth}), timeout=10) as r:
        queues = [q["name"] for q in json.loads(r.read())]
    for q in queues:
        req = urllib.request.Request(f"{base}/api/queues/{vhost}/{urllib.parse.quote(q, safe='')}/contents", method="DELETE",
                                     headers={"Authorization": auth})
        try:
            urllib.request.urlopen(req, timeout=10).read()
        except urllib.error.HTTPError:
            pass

def broker_ctl():
    """rabbitmqctl of the broker the services use: the single node, or the cluster's first node."""
    return ["cluster", "ctl", "1"] if CLUSTER else ["ctl"]

def first_admin_url():
    """pika takes one URL: the first node of a cluster list."""
    return ENV["CITYGRID_TEST_AMQP_ADMIN_URL"].split(",")[0]

def infra(*args):
    subprocess.run([INFRA, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=True)

def token():
    return subprocess.run([os.path.join(BIN, "citygrid"), "token", "issue", "--sub", "chaos", "--role", "supervisor", "--scope", "city"],
                          capture_output=True, text=True, check=True).stdout.strip()

def grid_centroids():
    import csv, re
    points = []
    for row in csv.DictReader(open(os.path.join(REPO, "Shared", "reference-data", "grids.csv"))):
        if row["valid_to"]:
            continue
        pts = [tuple(map(float, p.split())) for p in re.findall(r"[\d.]+ [\d.]+", row["polygon"])][:-1]
        points.append((sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)))
    return points

POINTS = grid_centroids()

def post_report(tok, key, i, photos=()):
    # Inside a real grid (so every report is locatable); a different grid each time (so reports
    # are not linked to each other as duplicates).
    lon, lat = POINTS[(i * 7919 + hash(key)) % len(POINTS)]
    body = json.dumps({"channel": "supervisor", "reporterId": "chaos", "kind": "event", "classCode": "0502",
                       "location": {"longitude": lon, "latitude": lat}, "description": f"chaos {key}",
                       "photos": [{"url": u, "purpose": "report"} for u in photos]}).encode()
    for attempt in range(60):  # intake may be down right now: the client retries with the same key
        req = urllib.request.Request(f"http://{HOSTS['intake']}:{SERVICES['intake'][1]}/api/v1/reports", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + tok, "Idempotency-Key": key})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            if e.code < 500:
                raise RuntimeError(f"intake refused {key}: {e.code} {e.read()[:200]}")
        except Exception:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"intake never accepted {key}")

def upload_photo(tok, data):
    """POST /api/v1/evidence with one JPEG; retried while supervision is down (each success is a new
    upload). Returns the answer, or None if it never got one."""
    boundary = "chaos" + uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"chaos.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    for attempt in range(60):
        req = urllib.request.Request(f"http://{HOSTS['supervision']}:{SERVICES['supervision'][1]}/api/v1/evidence", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": "Bearer " + tok})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            if e.code < 500:
                raise RuntimeError(f"supervision refused an upload: {e.code} {e.read()[:200]}")
        except Exception:
            pass
        time.sleep(0.5)
    return None

def check_evidence(accepted, keys):
    """Every accepted upload has its record and its file with the right hash; every one a report
    referred to is shown on that case's first entry."""
    import hashlib
    lost = stuck = 0
    for key, answer, digest in accepted:
        rows = sql(f"SELECT sha256, attached_at IS NOT NULL FROM supervision.evidence WHERE id = '{answer['id']}'")
        h = answer["sha256"]
        path = os.path.join(EVIDENCE_DIR, "sha256", h[0:2], h[2:4], h)
        on_disk = hashlib.sha256(open(path, "rb").read()).hexdigest() if os.path.exists(path) else None
        if not rows or rows[0][0] != digest or h != digest or on_disk != digest:
            lost += 1
            continue
        # A report linked at intake as a duplicate has no case of its own: its photo is on the
        # original case's duplicate_linked entry instead of a first entry.
        shown = sql(f"SELECT count(*) FROM supervision.entry_photos p JOIN intake.reports r "
                    f"ON (r.duplicate_of IS NULL AND r.case_id = p.case_id) OR r.duplicate_of = p.case_id "
                    f"JOIN supervision.timeline t ON t.id = p.timeline_id AND (t.sequence = 1 OR r.duplicate_of IS NOT NULL) "
                    f"WHERE r.idempotency_key = '{key}' AND p.evidence_id = '{answer['id']}'")[0][0]
        if rows[0][1] != "t" or int(shown) != 1:
            stuck += 1
    return lost, stuck

def publish_poison(marker, count):
    import pika
    conn = pika.BlockingConnection(pika.URLParameters(first_admin_url()))
    ch = conn.channel(); ch.confirm_delivery()
    for i in range(count):
        ch.basic_publish("citygrid.events", "intake.case.reported", f"{marker} not json {i}".encode(),
                         pika.BasicProperties(delivery_mode=2, message_id=str(uuid.uuid4())))
    conn.close()

def duplicate_reported(n):
    """Captures CaseReported messages from the stream and publishes them again, same id."""
    import pika
    conn = pika.BlockingConnection(pika.URLParameters(first_admin_url()))
    ch = conn.channel(); ch.confirm_delivery()
    q = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(q, "citygrid.events", "intake.case.reported")
    return conn, ch, q

def scenario_fault(name, svcs):
    if name == "kill-intake": svcs.kill9("intake"); time.sleep(1); svcs.start("intake")
    elif name == "kill-routing": svcs.kill9("grid-routing"); time.sleep(1); svcs.start("grid-routing")
    elif name == "kill-supervision": svcs.kill9("supervision"); time.sleep(1); svcs.start("supervision")
    elif name == "kill-disposal": svcs.kill9("disposal"); time.sleep(1); svcs.start("disposal")
    elif name == "kill-assessment": svcs.kill9("assessment"); time.sleep(1); svcs.start("assessment")
    elif name == "broker-kill": infra("amqp-restart", "kill")
    elif name == "broker-graceful": infra("amqp-restart", "graceful")
    elif name == "postgres-immediate": infra("pg-restart", "immediate")
    elif name == "rolling-sigterm":
        for n in SERVICES:
            svcs.term(n); svcs.start(n); svcs.ready(n)
    elif name == "duplicates-and-poison": pass  # injected by the load loop
    elif name == "crash-after-publish":
        # reliability #3: intake dies after the broker confirmed a batch, before marking it sent;
        # restarted, it publishes the batch again and the consumers' inboxes absorb the repeats.
        svcs.term("intake"); svcs.start("intake", fault="kill-after-publish-before-mark")
        svcs.procs["intake"].wait(timeout=60)
        svcs.start("intake"); svcs.ready("intake")
    elif name == "broker-disk-alarm":
        # reliability #14: a disk alarm raised at runtime blocks every publisher; outboxes grow
        # (confirms time out, rows stay unsent) and drain once the alarm clears.
        infra("ctl", "set_disk_free_limit", "100000GB")
        time.sleep(15)
        infra("ctl", "set_disk_free_limit", "50MB")
    elif name == "consumer-timeout":
        # reliability #13: supervision's first batch hangs 20 s inside its transaction, past the
        # broker's consumer_timeout (lowered to 5 s; RabbitMQ reads it when a channel opens): the
        # broker closes the channel and takes the deliveries back; they come again and apply once.
        infra("ctl", "eval", "application:set_env(rabbit, consumer_timeout, 5000).")
        infra("ctl", "eval", "application:set_env(rabbit, channel_tick_interval, 1000).")
        try:
            svcs.term("supervision"); svcs.start("supervision", fault="hang-once-in-handler"); svcs.ready("supervision")
            time.sleep(30)
        finally:
            infra("ctl", "eval", "application:set_env(rabbit, consumer_timeout, 1800000).")
            infra("ctl", "eval", "application:set_env(rabbit, channel_tick_interval, 60000).")
    elif name == "cluster-leader-kill":
        # On the cluster: kill -9 the node that leads the busiest queue under load, restart it a
        # little later. Quorum queues elect a new leader among the other two; services connected
        # to the dead node reconnect to another (their URL lists all three). Nothing is promoted
        # by hand.
        busiest = max(queue_lengths().items(), key=lambda kv: kv[1], default=("supervision.reports", 0))[0]
        leader = subprocess.run([INFRA, "cluster", "leader", busiest, ENV["CITYGRID_TEST_AMQP_VHOST"]],
                                capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout.strip()
        node = leader.split("@")[0][-1] if leader else "1"
        log(f"busiest queue {busiest}, led by {leader or '?'}: killing node {node}")
        infra("cluster", "stop-node", node, "kill")
        time.sleep(15)
        infra("cluster", "start-node", node)
        SCENARIO_NOTES["cluster-leader-kill"] = f"{busiest} led by {leader}, killed and restarted"
    elif name == "cluster-instance-kill":
        # Two instances of every service from the start (see main); kill -9 one of each mid-load.
        # The survivors take over the queues (competing consumers) and the outboxes (SKIP LOCKED).
        for n in SERVICES:
            svcs.kill9(f"{n}#2")
    elif name == "two-instances":
        # reliability #16: a second instance of intake and of supervision (two relays over one
        # outbox, competing consumers on one queue) for the rest of the load.
        for n in ("intake", "supervision"):
            svcs.start(n, instance=2)
        for n in ("intake", "supervision"):
            svcs.ready(n, instance=2)

SCENARIO_NOTES = {}

BOUNDED_PATTERN = r"^((intake|routing|disposal|supervision|assessment)\.[^.]+|dept\..+\.tasks)$"

def bound_queues(max_length):
    """The bounded-queue policy of scripts/infra on the chaos vhost, with another limit."""
    definition = json.dumps({"max-length": max_length, "overflow": "reject-publish"})
    infra(*broker_ctl(), "set_policy", "-p", ENV["CITYGRID_TEST_AMQP_VHOST"], "--apply-to", "queues", "citygrid-bounded-queues",
          BOUNDED_PATTERN, definition)

def rss_mb(svcs):
    """Resident memory of each running service, in MB (VmRSS)."""
    out = {}
    for key, proc in svcs.procs.items():
        try:
            with open(f"/proc/{proc.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        out[key] = int(line.split()[1]) // 1024
        except OSError:
            pass
    return out

def queue_lengths():
    """Messages ready or unacked in each queue of the chaos vhost."""
    out = subprocess.run([INFRA, *broker_ctl(), "list_queues", "-q", "--no-table-headers", "-p", ENV["CITYGRID_TEST_AMQP_VHOST"], "name", "messages"],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL)
    lengths = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            lengths[parts[0]] = int(parts[1])
    return lengths

def quiescent(keys_sql, timeout=240):
    end, last, stable = time.time() + timeout, None, 0
    while time.time() < end:
        unsent = sum(int(sql(f"SELECT count(*) FROM {s}.outbox WHERE sent_at IS NULL AND routing_key NOT LIKE '%nowhere%'")[0][0]) for s in SCHEMAS)
        parked = sum(int(sql(f"SELECT count(*) FROM {s}.parked_messages")[0][0]) for s in SCHEMAS)
        dispatched = sql(f"SELECT count(*) FROM supervision.cases c JOIN intake.reports r ON r.case_id = c.id WHERE r.idempotency_key IN ({keys_sql}) AND c.state NOT IN ('reported','awaiting_accept','awaiting_file','awaiting_dispatch')")[0][0]
        snapshot = (unsent, dispatched)
        stable = stable + 1 if snapshot == last and unsent == 0 else 0
        last = snapshot
        if stable >= 5:
            return True
        time.sleep(1)
    return False

def check(keys, marker, run_start):
    keys_sql = ",".join(f"'{k}'" for k in keys)
    rows = dict((k, int(n)) for k, n in sql(f"SELECT idempotency_key, count(*) FROM intake.reports WHERE idempotency_key IN ({keys_sql}) GROUP BY 1"))
    lost = sum(1 for k in keys if rows.get(k, 0) == 0)
    duplicated = sum(1 for k in keys if rows.get(k, 0) > 1)
    lost += int(sql(f"SELECT count(*) FROM intake.reports r LEFT JOIN supervision.cases c ON c.id = r.case_id WHERE r.idempotency_key IN ({keys_sql}) AND r.duplicate_of IS NULL AND c.id IS NULL")[0][0])
    duplicated += int(sql(f"SELECT count(*) FROM (SELECT d.case_id FROM routing.dispatches d JOIN intake.reports r ON r.case_id = d.case_id WHERE r.idempotency_key IN ({keys_sql}) AND NOT d.redispatch GROUP BY 1 HAVING count(*) > 1) x")[0][0])
    duplicated += int(sql(f"SELECT count(*) FROM (SELECT t.case_id FROM supervision.timeline t JOIN intake.reports r ON r.case_id = t.case_id WHERE r.idempotency_key IN ({keys_sql}) AND t.kind = 'transition' GROUP BY 1 HAVING count(DISTINCT sequence) <> count(*) OR max(sequence) <> count(*)) x")[0][0])
    stuck = int(sql(f"SELECT count(*) FROM supervision.cases c JOIN intake.reports r ON r.case_id = c.id WHERE r.idempotency_key IN ({keys_sql}) AND c.state NOT IN ('in_handling','manual_dispatch','awaiting_check','awaiting_close','closed','voided')")[0][0])
    inconsistent = int(sql(f"SELECT count(*) FROM supervision.cases c JOIN intake.reports r ON r.case_id = c.id WHERE r.idempotency_key IN ({keys_sql}) AND c.state <> (SELECT to_state FROM supervision.timeline t WHERE t.case_id = c.id AND t.kind = 'transition' ORDER BY sequence DESC LIMIT 1)")[0][0])
    unsent = sum(int(sql(f"SELECT count(*) FROM {s}.outbox WHERE sent_at IS NULL")[0][0]) for s in SCHEMAS)
    foreign_dead = sum(int(sql(f"SELECT count(*) FROM {s}.dead_letters WHERE created_at >= '{run_start}' AND body NOT LIKE '{marker}%'")[0][0]) for s in SCHEMAS)
    return {"lost": lost, "duplicated": duplicated, "stuck": stuck + inconsistent, "unsent_outbox": unsent, "unexpected_dead_letters": foreign_dead}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=120, help="reports per scenario")
    ap.add_argument("--scenario", action="append")
    ap.add_argument("--overload-rate", type=float, default=40, help="overload: reports per second offered, open loop")
    ap.add_argument("--overload-seconds", type=int, default=180, help="overload: how long the load is offered")
    ap.add_argument("--overload-max-length", type=int, default=300, help="overload: the queues' bound during the scenario")
    ap.add_argument("--cluster", action="store_true", help="run on the three-node cluster (scripts/infra cluster up): its scenarios by default")
    ap.add_argument("--throughput-rate", type=float, default=40, help="cluster-throughput: reports per second offered")
    ap.add_argument("--throughput-seconds", type=int, default=30, help="cluster-throughput: seconds of load per instance count")
    ap.add_argument("--blip-heartbeat", type=int, default=10, help="network-blip: the services' AMQP heartbeat, seconds (dead link noticed within two)")
    ap.add_argument("--blip-rate", type=float, default=2.0, help="network-blip: reports per second offered, open loop")
    ap.add_argument("--blip-throttle", default="96kbit", help="network-blip: tbf rate of every link in the throttle phase")
    ap.add_argument("--blip-db-dead-peer-ms", type=int, default=20_000,
                    help="network-blip: the services' CITYGRID_DB_DEAD_PEER_TIMEOUT_MS (0: the kernel's defaults, to see the difference)")
    args = ap.parse_args()
    if args.cluster:
        subprocess.run([INFRA, "cluster", "up"], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    scenarios = args.scenario or (["cluster-leader-kill", "cluster-instance-kill", "cluster-throughput"] if args.cluster else None) or ["kill-intake", "kill-routing", "kill-supervision", "kill-disposal", "kill-assessment",
                                  "broker-kill", "broker-graceful", "postgres-immediate", "duplicates-and-poison", "rolling-sigterm",
                                  "crash-after-publish", "broker-disk-alarm", "two-instances", "kill-supervision-mid-upload",
                                  "consumer-timeout", "network-blip"]
    use_scratch()
    subprocess.run(["rm", "-rf", EVIDENCE_DIR], check=True)
    tok, results, run = token(), {}, uuid.uuid4().hex[:8]
    for name in scenarios:
        purge_queues()
        if name == "network-blip":
            if os.geteuid() != 0 or subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
                log("network-blip: skipped (needs root and `ip netns`)")
                SCENARIO_NOTES["network-blip"] = "skipped: needs root and `ip netns`"
                continue
            results[name] = network_blip(tok, run, args)
            continue
        # The throughput run counts cases: duplicate linking off, or reports near an open case of
        # the same grid would be linked to it instead of making their own.
        svcs = Services({"CITYGRID_DUPLICATE_WINDOW_H": "0"} if name == "cluster-throughput" else None)
        atexit.register(svcs.stop_all)   # an exception must not leave this scenario's services running
        svcs.start_all()
        if name == "cluster-instance-kill":
            for n in SERVICES:
                svcs.start(n, instance=2)
            for n in SERVICES:
                if not svcs.ready(n, instance=2):
                    raise RuntimeError(f"{n}#2 not ready")
        if name == "cluster-throughput":
            results[name] = throughput(svcs, tok, run, args)
            svcs.stop_all()
            continue
        run_start = sql("SELECT now()")[0][0]
        marker = f"chaos-poison-{run}-{name}"
        count = int(args.overload_rate * args.overload_seconds) if name == "overload" else args.reports
        keys = [f"chaos-{run}-{name}-{i}" for i in range(count)]
        samples = {"rss": {}, "queues": {}}
        errors = []
        accepted = []   # (report key, upload answer, SHA-256 of the bytes sent)
        def upload_load():
            import hashlib
            for i, k in enumerate(keys):
                try:
                    # 60–260 kB each, so some uploads are in flight when supervision is killed.
                    data = b"\xff\xd8\xff\xe0" + os.urandom(random.randint(60_000, 260_000)) + b"\xff\xd9"
                    answer = upload_photo(tok, data)
                    if answer is None:
                        errors.append(f"upload {k} never answered")
                        continue
                    accepted.append((k, answer, hashlib.sha256(data).hexdigest()))
                    post_report(tok, k, i, photos=[answer["url"]])
                except Exception as e:
                    errors.append(str(e))
                time.sleep(0.05)
        def overload():
            samples["offered_s"] = open_loop(tok, keys, args.overload_rate, errors)
        def load():
            if name == "kill-supervision-mid-upload":
                return upload_load()
            if name == "overload":
                return overload()
            for i, k in enumerate(keys):
                try:
                    post_report(tok, k, i)
                    if i % 10 == 0:
                        post_report(tok, k, i)  # a client retry: same key, must not create a second case
                except Exception as e:
                    errors.append(str(e))
                time.sleep(0.05)
        if name == "overload":
            bound_queues(args.overload_max_length)
        t = threading.Thread(target=load); t.start()
        time.sleep(max(1.0, args.reports * 0.05 / 2))
        log(f"{name}: injecting fault")
        if name == "duplicates-and-poison":
            conn, ch, q = duplicate_reported(0)
            time.sleep(2)
            captured = []
            for method, props, body in ch.consume(q, inactivity_timeout=1):
                if method is None or len(captured) >= 20: break
                captured.append((props, body)); ch.basic_ack(method.delivery_tag)
            ch.cancel()
            for props, body in captured:
                ch.basic_publish("citygrid.events", "intake.case.reported", body, props)
            conn.close()
            publish_poison(marker, 5)
        elif name == "kill-supervision-mid-upload":
            svcs.kill9("supervision"); time.sleep(1); svcs.start("supervision")
        elif name == "overload":
            pass   # the load itself is the fault; the queues were bounded before it started
        else:
            scenario_fault(name, svcs)
        if name == "overload":
            # Sample memory and queue lengths while the load runs and the backlog drains.
            while t.is_alive():
                for key, mb in rss_mb(svcs).items():
                    samples["rss"][key] = max(mb, samples["rss"].get(key, 0))
                for queue, n in queue_lengths().items():
                    samples["queues"][queue] = max(n, samples["queues"].get(queue, 0))
                time.sleep(3)
        t.join()
        drain_started = time.time()
        ok = quiescent(",".join(f"'{k}'" for k in keys), timeout=1800 if name == "overload" else 240)
        if name == "overload":
            for key, mb in rss_mb(svcs).items():
                samples["rss"][key] = max(mb, samples["rss"].get(key, 0))
            bound_queues(100000)
            samples["drain_s"] = round(time.time() - drain_started, 1)
        result = check(keys, marker, run_start)
        if name == "kill-supervision-mid-upload":
            # Reports exist only for accepted uploads; the rest of the keys were never sent.
            sent = [k for k, _, _ in accepted]
            result = check(sent, marker, run_start) if sent else result
            lost, stuck = check_evidence(accepted, sent)
            result["lost"] += lost
            result["stuck"] += stuck
            result["uploads_accepted"] = len(accepted)
        if name == "overload":
            result["offered"] = len(keys)
            result["offered_s"] = samples.get("offered_s")
            result["drain_s"] = samples.get("drain_s")
            result["rss_max_mb"] = samples["rss"]
            result["queue_max"] = max(samples["queues"].values(), default=0)
            result["queue_bound"] = args.overload_max_length
            result["nacked"] = int(sql("SELECT count(*) FROM (SELECT 1 FROM intake.outbox WHERE last_error LIKE 'nacked%' "
                                       "UNION ALL SELECT 1 FROM routing.outbox WHERE last_error LIKE 'nacked%' "
                                       "UNION ALL SELECT 1 FROM supervision.outbox WHERE last_error LIKE 'nacked%' "
                                       "UNION ALL SELECT 1 FROM disposal.outbox WHERE last_error LIKE 'nacked%') x")[0][0])
        result["quiescent"] = ok
        result["client_errors"] = len(errors)
        results[name] = result
        log(name, json.dumps(result))
        svcs.stop_all()
    print("\nscenario                 lost  duplicated  stuck  unsent  foreign-DL")
    bad = 0
    for name, r in results.items():
        print(f"{name:24} {r['lost']:4}  {r['duplicated']:10}  {r['stuck']:5}  {r['unsent_outbox']:6}  {r['unexpected_dead_letters']:10}")
        bad += r["lost"] + r["duplicated"] + r["stuck"] + r["unsent_outbox"] + r["unexpected_dead_letters"] + (0 if r["quiescent"] else 1)
    for name, note in SCENARIO_NOTES.items():
        print(f"{name}: {note}")
    if "cluster-throughput" in results:
        r = results["cluster-throughput"]
        print(f"\ncluster-throughput: offered {r['offered_per_s']}/s for {r['seconds']} s each; dispatched per second with one instance "
              f"per service {r['one']['dispatched_per_s']}, with two {r['two']['dispatched_per_s']} (x{r['factor']}); "
              f"peak RSS MB one {r['one']['rss_max_mb']}, two {r['two']['rss_max_mb']}")
    if "overload" in results:
        r = results["overload"]
        print(f"\noverload: {r.get('offered')} reports offered in {r.get('offered_s')} s, drained {r.get('drain_s')} s after; "
              f"longest queue {r.get('queue_max')} (bound {r.get('queue_bound')}), {r.get('nacked')} outbox rows nacked and retried; "
              f"peak RSS MB {r.get('rss_max_mb')}")
    if "network-blip" in results:
        print_blip(results["network-blip"])
    print_catalogue(results)
    json.dump(results, open(os.path.join(STATE, "chaos-result.json"), "w"), indent=2)
    sys.exit(1 if bad else 0)

def open_loop(tok, keys, rate, errors, each=None):
    """Offers a report for each key every 1/rate seconds, whether or not the earlier ones were
    answered (each client retries its own until intake accepts it); `each(i)` runs after each
    offer. Returns the seconds the offering took."""
    from concurrent.futures import ThreadPoolExecutor
    def one(i, k):
        try:
            post_report(tok, k, i)
        except Exception as e:
            errors.append(str(e))
    started = time.time()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for i, k in enumerate(keys):
            delay = started + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i, k)
            if each:
                each(i)
    return round(time.time() - started, 1)

def throughput(svcs, tok, run, args):
    """Cases dispatched per second under the same open-loop load, first with one instance of each
    service, then with two, in one run; each half is also checked for lost, duplicated and stuck."""
    out = {"offered_per_s": args.throughput_rate, "seconds": args.throughput_seconds}
    totals = {"lost": 0, "duplicated": 0, "stuck": 0, "unsent_outbox": 0, "unexpected_dead_letters": 0, "quiescent": True, "client_errors": 0}
    for label, instances in (("one", 1), ("two", 2)):
        if instances == 2:
            for n in SERVICES:
                svcs.start(n, instance=2)
            for n in SERVICES:
                svcs.ready(n, instance=2)
        count = int(args.throughput_rate * args.throughput_seconds)
        keys = [f"chaos-{run}-throughput-{label}-{i}" for i in range(count)]
        run_start = sql("SELECT now()")[0][0]
        errors, rss = [], {}
        def sample_rss(i):
            if i % 200 == 0:
                for key, mb in rss_mb(svcs).items():
                    rss[key] = max(mb, rss.get(key, 0))
        open_loop(tok, keys, args.throughput_rate, errors, each=sample_rss)
        keys_sql = ",".join(f"'{k}'" for k in keys)
        ok = quiescent(keys_sql, timeout=600)
        # The rate at which cases reached dispatch: from the first report to the last dispatch.
        first, last, n = sql(f"SELECT extract(epoch FROM min(r.received_at)), extract(epoch FROM max(t.at)), count(DISTINCT t.case_id) "
                             f"FROM intake.reports r JOIN supervision.timeline t ON t.case_id = r.case_id AND t.kind = 'transition' "
                             f"AND t.to_state = 'in_handling' WHERE r.idempotency_key IN ({keys_sql})")[0]
        span = max(0.001, float(last or 0) - float(first or 0))
        result = check(keys, "none", run_start)
        for k in ("lost", "duplicated", "stuck", "unsent_outbox", "unexpected_dead_letters"):
            totals[k] += result[k]
        totals["quiescent"] = totals["quiescent"] and ok
        totals["client_errors"] += len(errors)
        out[label] = {"dispatched": int(n), "dispatched_per_s": round(int(n) / span, 1), "span_s": round(span, 1), "rss_max_mb": rss, **result}
        log(f"cluster-throughput, {label} instance(s) per service: {json.dumps(out[label])}")
    out["factor"] = round(out["two"]["dispatched_per_s"] / max(0.001, out["one"]["dispatched_per_s"]), 2)
    return {**totals, **out}

# ---- reliability #8: each service in its own network namespace; links dropped and throttled ----
#
# The kernel of the machine this was written on (6.18, no loadable modules) has no sch_netem, so
# `tc netem` ("Specified qdisc kind is unknown") is not available, nor the gact/matchall actions
# or iptables/nftables. What it has, and what replaces netem here:
#   drop every packet of a link   a `pfifo limit 0` root qdisc on both ends of the veth pair: each
#                                 packet is dropped as it is queued, silently (no RST, no ICMP), so
#                                 both sides keep a half-open connection. Both ends are bridge
#                                 ports (see netns_up): neither TCP stack sees its packets dropped
#   drop one destination port     `htb` with a u32 filter on the port sending that traffic to a
#                                 class whose leaf is `pfifo limit 0` (the database only)
#   delay / throttle              `tbf` at a low rate on both ends: packets queue (delay up to the
#                                 tbf latency) and past it are dropped, as on a congested link
NETNS_BRIDGE = "cg-br0"
NETNS_HOST = "10.77.0.1"   # the bridge's address in the root namespace: where the servers listen too
NETNS_PREFIX = 24
NETNS_INNER_BRIDGE = "cgb0"   # in each namespace: holds the service's address, the veth end is its port
NETNS_SHORT = {"intake": "in", "grid-routing": "gr", "disposal": "di", "supervision": "su", "assessment": "as"}

def netns_name(svc): return f"cg-{svc}"
def netns_addr(svc): return f"10.77.0.{11 + list(SERVICES).index(svc)}"
def host_dev(svc): return f"cgh-{NETNS_SHORT[svc]}"
def ns_dev(svc): return f"cgn-{NETNS_SHORT[svc]}"

def sh(*cmd, check=True):
    out = subprocess.run(list(cmd), capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {out.stderr.strip()}")
    return out

def netns_service_env(env, heartbeat):
    """A service in its namespace: the servers at the bridge's address, HTTP on every address of
    the namespace, the given AMQP heartbeat, info logs (the reconnect lines are info)."""
    def via_bridge(url):
        return url.replace("@127.0.0.1:", f"@{NETNS_HOST}:")
    amqp = via_bridge(env["CITYGRID_AMQP_URL"])
    return {"CITYGRID_DB_URL": via_bridge(env["CITYGRID_DB_URL"]),
            "CITYGRID_AMQP_URL": amqp + ("&" if "?" in amqp else "?") + f"heartbeat={heartbeat}",
            "CITYGRID_HTTP_HOST": "0.0.0.0", "CITYGRID_LOG_LEVEL": "info"}

def netns_down():
    for svc in SERVICES:
        sh("ip", "netns", "del", netns_name(svc), check=False)   # takes its end of the veth pair, and so the pair
        sh("ip", "link", "del", host_dev(svc), check=False)
    sh("ip", "link", "del", NETNS_BRIDGE, check=False)

def netns_up():
    netns_down()   # leftovers of an interrupted run
    sh("ip", "link", "add", NETNS_BRIDGE, "type", "bridge")
    sh("ip", "addr", "add", f"{NETNS_HOST}/{NETNS_PREFIX}", "dev", NETNS_BRIDGE)
    sh("ip", "link", "set", NETNS_BRIDGE, "up")
    for svc in SERVICES:
        ns = netns_name(svc)
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", host_dev(svc), "type", "veth", "peer", "name", ns_dev(svc))
        sh("ip", "link", "set", ns_dev(svc), "netns", ns)
        sh("ip", "link", "set", host_dev(svc), "master", NETNS_BRIDGE, "up")
        # The service's address sits on a bridge of its own namespace, with the veth end as its
        # port, for the same reason as on the host side: a qdisc that drops packets on the
        # sending stack's own device is seen by its TCP as local congestion (retransmits every
        # 0.5 s, ETIMEDOUT after about 8 s: not a half-open connection at all). Behind a bridge
        # the drop is on a port the stack does not see, as on a real network.
        sh("ip", "-n", ns, "link", "add", NETNS_INNER_BRIDGE, "type", "bridge")
        sh("ip", "-n", ns, "link", "set", ns_dev(svc), "master", NETNS_INNER_BRIDGE, "up")
        sh("ip", "-n", ns, "addr", "add", f"{netns_addr(svc)}/{NETNS_PREFIX}", "dev", NETNS_INNER_BRIDGE)
        sh("ip", "-n", ns, "link", "set", NETNS_INNER_BRIDGE, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")

def link_ends(svc):
    """(tc prefix, device) of both ends of a service's link: the host end carries what is sent to
    the service, the namespace end what it sends."""
    return [(["tc"], host_dev(svc), "sport"), (["tc", "-n", netns_name(svc)], ns_dev(svc), "dport")]

def link_drop(svc, port=None):
    """Drops the link's packets silently, all of them or those to and from one server port.
    Returns when the cut took effect: once one end drops, nothing the other sends is acknowledged."""
    effective = None
    for tc, dev, field in link_ends(svc):
        if port is None:
            sh(*tc, "qdisc", "replace", "dev", dev, "root", "pfifo", "limit", "0")
            effective = effective or time.time()
            continue
        sh(*tc, "qdisc", "replace", "dev", dev, "root", "handle", "1:", "htb", "default", "10")
        sh(*tc, "class", "add", "dev", dev, "parent", "1:", "classid", "1:10", "htb", "rate", "10gbit")
        sh(*tc, "class", "add", "dev", dev, "parent", "1:", "classid", "1:30", "htb", "rate", "10gbit")
        sh(*tc, "qdisc", "add", "dev", dev, "parent", "1:30", "pfifo", "limit", "0")
        sh(*tc, "filter", "add", "dev", dev, "parent", "1:", "protocol", "ip", "prio", "1", "u32",
           "match", "ip", field, str(port), "0xffff", "flowid", "1:30")
        effective = effective or time.time()
    return effective

def link_throttle(svc, rate):
    for tc, dev, _ in link_ends(svc):
        sh(*tc, "qdisc", "replace", "dev", dev, "root", "tbf", "rate", rate, "burst", "8kb", "latency", "1s")
    return time.time()

def link_restore(svc):
    for tc, dev, _ in link_ends(svc):
        sh(*tc, "qdisc", "del", "dev", dev, "root", check=False)

def link_dropped_packets(svc):
    """Packets the link's qdiscs dropped so far (both ends), from `tc -s`."""
    import re
    total = 0
    for tc, dev, _ in link_ends(svc):
        out = sh(*tc, "-s", "qdisc", "show", "dev", dev, check=False).stdout
        total += sum(int(n) for n in re.findall(r"dropped (\d+)", out))
    return total

# Log lines of a connection's part that say it works again (consumers and the relay; a failure is
# any warning or error line with an `error`). Failures to open a new connection (connect timeout)
# are counted apart: they say the link is down, not that a dead established connection was noticed.
FAILURE_PARTS = {"consumer failed; reconnecting": "consumer", "outbox relay failed; will retry": "relay",
                 "queue depth unavailable": "depth"}
RECOVERY_LINES = {"consumer connected": "consumer", "outbox relay recovered": "relay"}
CONNECT_ERRORS = ("cannot connect to PostgreSQL", "cannot reach broker", "no node of the cluster answered")

def service_log(svc, since):
    events = []
    try:
        lines = open(os.path.join(STATE, f"chaos-{svc}.log"), errors="replace").readlines()
    except OSError:
        return events
    for line in lines:
        if not line.startswith("{"):
            continue
        try:
            e = json.loads(line)
            t = datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp()
        except (ValueError, KeyError):
            continue
        if t >= since:
            events.append((t, e))
    return events

def phase_figures(start, restored, end, bound_s, targets, cut_at=None):
    """For each service, from its log: when each of its parts (a consumer, the relay, a queue-depth
    watcher, a periodic pass) first reported an established connection failing after `start`
    (seconds after it: "noticed"), and when each failed consumer and the relay worked again: the
    first "connected"/"recovered" line after its last failure, in seconds after `restored` (0 if
    before: a consumer whose database link alone was cut reconnects to the broker at once and
    fails again only when it next needs the database).
    The bound holds for a service cut off (a target) when its first such failure came within it.
    A call fails within the bound of its own start, and the first call to wait on the dead link
    starts a little after the cut, which `bound_s` allows for. Later parts can fail later,
    legitimately: a queue-depth watcher notices at its next poll, and a part queued for a pooled
    connection that a blocked call holds starts waiting on the link only when it gets one."""
    out = {}
    for svc in SERVICES:
        # Seconds count from the moment this service's link was cut (the tc commands of a phase
        # take a few seconds on a busy machine), else from the phase's start.
        since = (cut_at or {}).get(svc, start)
        first, last, back, errors, connect_failures, waits = {}, {}, {}, [], 0, []
        for t, e in service_log(svc, start):
            if t > end:
                break
            message = e.get("message", "")
            if e.get("level") in ("warning", "error") and "error" in e:
                key = FAILURE_PARTS.get(message, message.split(";")[0]) + ":" + str(e.get("queue", ""))
                error = str(e["error"])
                if any(c in error for c in CONNECT_ERRORS):
                    connect_failures += 1
                else:
                    # A database call that found its connection dead says how long it waited.
                    import re
                    waited = re.search(r", after ([0-9.]+) s", error)
                    if waited:
                        waits.append(float(waited.group(1)))
                    if key not in first:
                        first[key] = t
                        errors.append(f"{round(t - since, 1)} s {key} {error[:150]}")
                last[key] = t
                back.pop(key, None)
            part = RECOVERY_LINES.get(message)
            if part:
                key = part + ":" + str(e.get("queue", ""))
                if key in last and key not in back:
                    back[key] = t
        noticed = [round(t - since, 1) for t in first.values()]
        waiting = [k for k in last if k.split(":")[0] in ("consumer", "relay") and k not in back]
        again = [max(0.0, round(back[k] - restored, 1)) for k in last if k in back]
        out[svc] = {"connections_failed": len(first),
                    "noticed_first_s": min(noticed) if noticed else None,
                    "noticed_last_s": max(noticed) if noticed else None,
                    "within_bound": (min(noticed) <= bound_s) if noticed else svc not in targets,
                    "connect_failures": connect_failures,
                    "db_call_waits_s": sorted(waits)[-8:],
                    "reconnected_last_s": max(again) if again else None,
                    "not_reconnected": waiting,
                    "errors": errors[:10]}
    return out

def network_blip(tok, run, args):
    """Reliability #8. Every service in its own network namespace, joined to the root namespace by
    a veth pair on a bridge; the broker and the database listen on the bridge's address too
    (CITYGRID_INFRA_EXTRA_LISTEN), intake's HTTP port is reached at its namespace's address. Under
    an open-loop load, three faults one after the other:
      link-drop   every packet of all five links dropped, for longer than both dead-peer bounds
                  (half-open: no RST, no FIN), then the links restored;
      db-drop     only the database's packets of supervision's and grid-routing's links dropped
                  (the broker stays reachable), longer than the database bound, then restored;
      throttle    every link throttled (tbf) for 30 s: slow, not dead; nothing should reconnect.
    For each: when each service noticed (its log's connection-failure lines, per connection),
    against the bound (AMQP: two heartbeat intervals; database: tcp_user_timeout plus one
    keepalive interval), when its connections worked again and when cases were dispatched again.
    Then the usual checker over everything the load submitted."""
    if os.geteuid() != 0:
        raise RuntimeError("network-blip needs root (ip netns, tc)")
    hb = args.blip_heartbeat
    dead_peer_ms = args.blip_db_dead_peer_ms   # the services' CITYGRID_DB_DEAD_PEER_TIMEOUT_MS (default 20 000)
    amqp_bound = 2 * hb
    # With the database bound off, the drops still last as long as with the default one.
    db_bound = (max(dead_peer_ms, 20_000) + max(1, max(dead_peer_ms, 20_000) // 6000) * 1000) / 1000
    # + 3 s: the first call to wait on the dead link starts a little after the cut (the consume
    # loop's 1 s wait, the relay's half-second pause), and the log line follows the failure
    bound = max(amqp_bound, db_bound) + 3
    pg_port = urllib.parse.urlparse(ENV["CITYGRID_TEST_DB_URL_INTAKE"]).port
    result = {"heartbeat_s": hb, "amqp_bound_s": amqp_bound, "db_dead_peer_timeout_ms": dead_peer_ms,
              "db_bound_s": db_bound if dead_peer_ms else None, "bound_checked_s": bound, "phases": {}}
    svcs = Services({"CITYGRID_DB_DEAD_PEER_TIMEOUT_MS": str(dead_peer_ms)}, netns={"heartbeat": hb})
    prefix = f"chaos-{run}-network-blip-"
    keys, errors = [], []
    stop = threading.Event()
    progress = []   # (time, cases dispatched so far)
    latency = []    # (time, seconds intake took to answer /health/ready through its link, or None)
    try:
        netns_up()
        log(f"network-blip: bridge {NETNS_BRIDGE} {NETNS_HOST}/{NETNS_PREFIX}, namespaces "
            + ", ".join(f"{netns_name(s)} {netns_addr(s)}" for s in SERVICES) + "; servers listening on the bridge too")
        subprocess.run([INFRA, "up"], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       env=dict(os.environ, CITYGRID_INFRA_EXTRA_LISTEN=f"{NETNS_HOST}/{NETNS_PREFIX}"))
        purge_queues()
        for s in SERVICES:
            HOSTS[s] = netns_addr(s)
        svcs.start_all()
        run_start = sql("SELECT now()")[0][0]

        def offer():
            from concurrent.futures import ThreadPoolExecutor
            def one(i, k):
                try:
                    post_report(tok, k, i)
                    if i % 10 == 0:
                        post_report(tok, k, i)   # a client retry: same key
                except Exception as e:
                    errors.append(str(e))
            started = time.time()
            with ThreadPoolExecutor(max_workers=64) as pool:
                i = 0
                while not stop.is_set():
                    delay = started + i / args.blip_rate - time.time()
                    if delay > 0:
                        time.sleep(delay)
                    k = f"{prefix}{i}"
                    keys.append(k)
                    pool.submit(one, i, k)
                    i += 1

        def watch():
            while not stop.is_set():
                try:
                    n = int(sql(f"SELECT count(*) FROM supervision.cases c JOIN intake.reports r ON r.case_id = c.id "
                                f"WHERE r.idempotency_key LIKE '{prefix}%' AND c.state NOT IN ('reported','awaiting_accept','awaiting_file','awaiting_dispatch')")[0][0])
                    progress.append((time.time(), n))
                except Exception:
                    pass
                time.sleep(0.5)

        def probe():
            # Through intake's link (and its database link: readiness reads the database).
            while not stop.is_set():
                t = time.time()
                try:
                    with urllib.request.urlopen(f"http://{HOSTS['intake']}:{SERVICES['intake'][1]}/health/ready", timeout=5) as r:
                        r.read()
                    latency.append((t, time.time() - t))
                except Exception:
                    latency.append((t, None))
                time.sleep(max(0.0, 1.0 - (time.time() - t)))

        def dispatched_again(after):
            """Seconds after `after` until the count of dispatched cases first grew."""
            base = max((n for t, n in progress if t <= after), default=0)
            for t, n in progress:
                if t > after and n > base:
                    return round(t - after, 1)
            return None

        loader = threading.Thread(target=offer); loader.start()
        watcher = threading.Thread(target=watch, daemon=True); watcher.start()
        threading.Thread(target=probe, daemon=True).start()
        time.sleep(15)

        def fault(label, targets, apply, hold, expect_failures=True):
            dropped0 = sum(link_dropped_packets(s) for s in targets)
            log(f"network-blip: {label} on {', '.join(targets)} for {hold} s")
            start = time.time()
            cut_at = {s: apply(s) for s in targets}
            time.sleep(max(0.0, hold - (time.time() - max(cut_at.values()))))   # every link cut for `hold` s at least
            dropped = sum(link_dropped_packets(s) for s in targets) - dropped0
            for s in targets:
                link_restore(s)
            restored = time.time()
            log(f"network-blip: {label}: links restored ({dropped} packets dropped by the link qdiscs; "
                f"the cuts took effect {round(min(cut_at.values()) - start, 1)}–{round(max(cut_at.values()) - start, 1)} s after the first tc command)")
            # Until every failed connection is back (or a minute), and a little more.
            deadline = restored + 60
            while time.time() < deadline:
                figures = phase_figures(start, restored, time.time(), bound, targets, cut_at)
                if not any(f["not_reconnected"] for f in figures.values()) and dispatched_again(restored) is not None:
                    break
                time.sleep(2)
            time.sleep(5)
            figures = phase_figures(start, restored, time.time(), bound, targets if expect_failures else [], cut_at)
            during = [l for t, l in latency if start <= t < restored]
            answered = sorted(l for l in during if l is not None)
            phase = {"targets": targets, "held_s": hold, "packets_dropped": dropped,
                     "cut_spread_s": round(max(cut_at.values()) - start, 1),
                     "dispatch_resumed_s": dispatched_again(restored), "services": figures,
                     "intake_ready_ms": {"median": round(1000 * answered[len(answered) // 2]) if answered else None,
                                         "max": round(1000 * answered[-1]) if answered else None,
                                         "unanswered": len(during) - len(answered)}}
            if not expect_failures:
                phase["reconnects"] = sum(f["connections_failed"] for f in figures.values())
            result["phases"][label] = phase
            log(f"network-blip: {label}: " + json.dumps({s: {k: v for k, v in f.items() if k != 'errors'} for s, f in figures.items()})
                + f"; dispatch resumed {phase['dispatch_resumed_s']} s after restore")

        fault("link-drop", list(SERVICES), link_drop, int(max(amqp_bound, db_bound)) + 12)
        fault("db-drop", ["supervision", "grid-routing"], lambda s: link_drop(s, port=pg_port), int(db_bound) + 10)
        before = max((n for _, n in progress), default=0)
        fault("throttle", list(SERVICES), lambda s: link_throttle(s, args.blip_throttle), 30, expect_failures=False)
        result["phases"]["throttle"]["dispatched_during"] = max((n for _, n in progress), default=0) - before
        time.sleep(5)
        stop.set()
        loader.join()
        keys_sql = ",".join(f"'{k}'" for k in keys)
        ok = quiescent(keys_sql, timeout=300)
        result.update(check(keys, "none", run_start))
        result["quiescent"] = ok
        result["client_errors"] = len(errors)
        result["reports"] = len(keys)
        # Detection within the bound: every connection that failed in the drop phases.
        result["all_within_bound"] = all(f["within_bound"] for p in ("link-drop", "db-drop") for f in result["phases"][p]["services"].values())
        # Each database call that waited on the dead link, against the database bound itself
        # (+0.5 s: the timer's own granularity).
        waits = [w for p in ("link-drop", "db-drop") for f in result["phases"][p]["services"].values() for w in f["db_call_waits_s"]]
        result["db_call_wait_max_s"] = max(waits, default=None)
        if dead_peer_ms:
            result["all_within_bound"] = result["all_within_bound"] and all(w <= db_bound + 0.5 for w in waits)
        noticed = [f["noticed_last_s"] for p in ("link-drop", "db-drop") for f in result["phases"][p]["services"].values() if f["noticed_last_s"] is not None]
        result["noticed_max_s"] = max(noticed, default=None)
        result["all_reconnected"] = not any(f["not_reconnected"] for p in result["phases"].values() for f in p["services"].values())
        result["throttle_reconnects"] = result["phases"]["throttle"]["reconnects"]
        # Counted as failures of the scenario: a dead peer unnoticed past the bound, a connection
        # that never came back.
        result["stuck"] += (0 if result["all_within_bound"] else 1) + (0 if result["all_reconnected"] else 1)
        log("network-blip", json.dumps({k: v for k, v in result.items() if k != "phases"}))
    finally:
        stop.set()
        svcs.stop_all()
        for s in SERVICES:
            HOSTS[s] = "127.0.0.1"
        netns_down()
        # Back to loopback-only servers.
        subprocess.run([INFRA, "up"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       env={k: v for k, v in os.environ.items() if k != "CITYGRID_INFRA_EXTRA_LISTEN"})
    return result

def print_blip(r):
    print(f"\nnetwork-blip: AMQP heartbeat {r['heartbeat_s']} s (dead link noticed within {r['amqp_bound_s']} s), database "
          f"dead-peer timeout {r['db_dead_peer_timeout_ms']} ms (bound {r['db_bound_s']} s); checked against {r['bound_checked_s']} s; {r.get('reports')} reports")
    for label, p in r["phases"].items():
        print(f"  {label} on {', '.join(p['targets'])}, {p['held_s']} s, {p['packets_dropped']} packets dropped; "
              f"dispatch resumed {p['dispatch_resumed_s']} s after restore" + (f"; reconnects {p['reconnects']}" if "reconnects" in p else "")
              + (f"; {p['dispatched_during']} cases dispatched during it" if "dispatched_during" in p else ""))
        q = p["intake_ready_ms"]
        print(f"    intake /health/ready during it: median {q['median']} ms, max {q['max']} ms, {q['unanswered']} unanswered (5 s timeout)")
        for svc, f in p["services"].items():
            print(f"    {svc:13} parts failed {f['connections_failed']:2}  noticed {f['noticed_first_s']}–{f['noticed_last_s']} s"
                  f"  reconnected {f['reconnected_last_s']} s after restore  within bound: {f['within_bound']}"
                  + (f"  NOT reconnected: {f['not_reconnected']}" if f["not_reconnected"] else "")
                  + (f"  database calls failed after {f['db_call_waits_s']} s" if f["db_call_waits_s"] else ""))

# The 18 failure scenarios of the reliability reference, and where each is run: a scenario of
# this suite (its result above) or a test of the suite scripts/test runs (PlatformIntegrationTests
# unless named otherwise).
CATALOGUE = [
    (1, "kill -9 mid-handler, before commit", ["kill-intake", "kill-routing", "kill-supervision", "kill-disposal", "kill-assessment"], None),
    (2, "kill -9 after commit, before ack", [], "killAfterCommitBeforeAck"),
    (3, "crash after publish, before mark-sent", ["crash-after-publish"], "killAfterPublishBeforeMark"),
    (4, "crash after commit, before publish", [], "killBeforeRelay"),
    (5, "broker graceful restart mid-stream", ["broker-graceful"], None),
    (6, "broker kill -9", ["broker-kill"], "brokerRestartMidStream"),
    (7, "PostgreSQL restart / kill", ["postgres-immediate"], None),
    (8, "half-open TCP / network blip", ["network-blip"], "heartbeatsUnderLoad, databaseDeadPeerBoundOnTheSocket"),
    (9, "unroutable publish", [], "unroutableIsKept"),
    (10, "poison message", ["duplicates-and-poison"], "poisonMessagesAreDeadLettered, unstorableMessageDoesNotStrandItsSuccessors, MalformedMessagesTests"),
    (11, "duplicate delivery", ["duplicates-and-poison"], "duplicateDelivery"),
    (12, "out-of-order events of a case", [], "earlyMessageIsParked"),
    (13, "consumer hung past consumer_timeout", ["consumer-timeout"], "consumerTimeout"),
    (14, "broker disk / memory alarm", ["broker-disk-alarm"], None),
    (15, "overload above capacity", ["overload"], None),
    (16, "two relays of one service", ["two-instances"], None),
    (17, "SIGTERM / rolling restart", ["rolling-sigterm"], "gracefulShutdown"),
    (18, "client retries at HTTP intake", ["every scenario: each tenth report sent twice"], "intake idempotency tests"),
]

def print_catalogue(results):
    print("\n #  scenario                                 where it runs                         lost dup stuck")
    for number, title, scenarios, test in CATALOGUE:
        ran = [n for n in scenarios if n in results]
        totals = [sum(results[n][k] for n in ran) for k in ("lost", "duplicated", "stuck")] if ran else None
        where = ", ".join(ran) if ran else ("(not in this run) " + ", ".join(scenarios) if scenarios else "")
        if test:
            where = (where + "; " if where else "") + "test: " + test
        counts = f"{totals[0]:4} {totals[1]:3} {totals[2]:5}" if totals else "   -   -     -"
        print(f"{number:2}  {title:40} {where[:80]:80} {counts}")

if __name__ == "__main__":
    main()
