#!/usr/bin/env python3
"""City simulator for the local demo (scripts/dev up).

Plays every party of the loop against the real HTTP APIs: grid supervisors on patrol (~90 % of
reports), 12345 / 12319 / 110 hotline agents (address only), Open311 apps; departments that accept,
finish, sometimes return or ask for an extension; supervisors who verify and check; shift leaders
and dispatchers who decide. Uses only the standard library. Every failure is logged and the loop
goes on: the simulator must never be the reason the demo stops.
"""
import argparse, csv, json, os, random, re, subprocess, sys, time, urllib.error, urllib.parse, urllib.request

def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)

def env_file(path):
    out = {}
    with open(path) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                out[k] = v.strip("'")
    return out

class API:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None, form=None, token=None):
        data, headers = None, {"Authorization": "Bearer " + (token or self.token)}
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text.strip().startswith(("{", "[")) else text)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()[:300]
        except Exception as e:  # connection refused while a service restarts, etc.
            return 0, str(e)

def centroid(wkt):
    pts = [tuple(map(float, p.split())) for p in re.findall(r"[\d.]+ [\d.]+", wkt)]
    pts = pts[:-1] or pts
    return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--reports-per-second", type=float, default=1.0)
    args = ap.parse_args()
    rnd = random.Random(2026)
    tokens = env_file(os.path.join(args.state, "demo-tokens.env"))
    ports = {s: env_file(os.path.join(args.state, "env", s + ".env"))["CITYGRID_HTTP_PORT"] for s in
             ["intake", "routing", "disposal", "supervision", "assessment"]}
    url = lambda s: "http://127.0.0.1:" + ports[s]
    intake = API(url("intake"), tokens["SUPERVISOR_TOKEN"])
    supervision = API(url("supervision"), tokens["SUPERVISOR_TOKEN"])
    disposal = API(url("disposal"), tokens["ADMIN_TOKEN"])
    routing = API(url("routing"), tokens["DISPATCHER_TOKEN"])

    grids = [r for r in csv.DictReader(open(os.path.join(args.reference, "grids.csv"))) if not r["valid_to"]]
    points = [centroid(g["polygon"]) for g in grids]
    conditions = list(csv.DictReader(open(os.path.join(args.reference, "filing-conditions.csv"))))
    classes = sorted({(c["kind"], c["class_code"], c["condition_id"]) for c in conditions})
    # Common problems dominate real months: garbage, street order, manhole covers.
    weighted = [c for c in classes if c[1] in ("0102", "0103", "0305", "0502", "0504", "0503")] * 6 + classes
    places = [r["name"] for r in csv.DictReader(open(os.path.join(args.reference, "gazetteer.csv"))) if r["kind"] in ("poi", "house_number")]
    departments = [r["code"] for r in csv.DictReader(open(os.path.join(args.reference, "departments.csv")))]
    dept_tokens = {}
    for code in departments:
        out = subprocess.run([os.path.join(args.bin, "citygrid"), "token", "issue", "--sub", "sim-" + code, "--role", "department",
                              "--scope", "department:" + code, "--days", "90"], capture_output=True, text=True)
        dept_tokens[code] = out.stdout.strip()
    # Open311 apps may only send the service codes intake lists; ask it rather than build them
    # from the reference data (it lists sub-classes only, not the third-level classes of some conditions).
    st, services = intake.call("GET", "/open311/v2/services.json")
    open311_codes = sorted(s["service_code"] for s in services) if st == 200 and isinstance(services, list) else []
    if not open311_codes:
        log(f"no Open311 services listed ({st}: {str(services)[:160]}); sending no Open311 reports")
    log(f"simulating {len(grids)} grids, {len(classes)} filing conditions, {len(departments)} departments, "
        f"{len(open311_codes)} Open311 services")

    # People take their time: a case is acted on only after it has waited a while in its state
    # (10-60 s of real time, i.e. 10-60 city minutes at 60x), so every resting state stays visible.
    first_seen = {}
    def ripe(case_id, state):
        key = (case_id, state)
        if key not in first_seen:
            first_seen[key] = (time.time(), rnd.uniform(10, 60))
        seen, delay = first_seen[key]
        return time.time() - seen >= delay

    n = 0
    while True:
        started = time.time()
        # 1. Reports.
        for _ in range(max(1, int(rnd.random() * 2 * args.reports_per_second))):
            n += 1
            kind, code, cond = rnd.choice(weighted)
            lon, lat = rnd.choice(points)
            lon += rnd.uniform(-0.0003, 0.0003); lat += rnd.uniform(-0.0003, 0.0003)
            roll = rnd.random()
            if roll < 0.90:
                body = {"channel": "supervisor", "reporterId": f"sup-{rnd.randint(1, 60):03d}", "kind": kind, "classCode": code,
                        "conditionId": cond, "location": {"longitude": round(lon, 6), "latitude": round(lat, 6)},
                        "description": f"巡查发现 {code}", "photos": [f"https://photos.example/{n}.jpg"]}
                if rnd.random() < 0.03:
                    # 自行处置: the app declares the before and after photos (intake refuses one without both).
                    body["selfHandled"] = True
                    body["photos"] = [{"url": f"https://photos.example/{n}.jpg", "purpose": "before"},
                                      {"url": f"https://photos.example/{n}-after.jpg", "purpose": "after"}]
                st, r = intake.call("POST", "/api/v1/reports", body)
            elif roll < 0.97:
                channel = rnd.choice(["hotline_12345", "hotline_12345", "hotline_12319", "police_110"])
                # Callers sometimes cannot say where: the address places nowhere and an acceptor must deal with it.
                address = rnd.choice(places) if rnd.random() < 0.9 else rnd.choice(["城东那个小区门口", "火车站附近", "我家楼下"])
                body = {"channel": channel, "channelReference": f"{channel}-{n}", "kind": kind, "classCode": code,
                        "location": {"address": address}, "description": f"市民来电反映 {code}",
                        "reporterContact": f"1390471{n % 10000:04d}", "photos": []}
                st, r = intake.call("POST", "/api/v1/reports", body, token=tokens["ACCEPTOR_TOKEN"])
            elif open311_codes:
                # A third-level class (050201) is reported as the sub-class it belongs to (event-0502).
                service_code = f"{kind}-{code[:4]}"
                if service_code not in open311_codes:
                    service_code = rnd.choice(open311_codes)
                st, r = intake.call("POST", "/open311/v2/requests.json", form={
                    "api_key": "demo-open311-key", "service_code": service_code, "lat": round(lat, 6), "long": round(lon, 6),
                    "description": "随手拍", "email": "citizen@example.org"})
            else:
                continue
            if st not in (200, 201):
                log(f"report rejected {st}: {str(r)[:160]}")
        # 2. Departments work their inboxes.
        for code in rnd.sample(departments, min(8, len(departments))):
            st, r = disposal.call("GET", f"/api/v1/departments/{code}/tasks?pageSize=20", token=dept_tokens[code])
            if st != 200:
                continue
            for task in (r.get("tasks") or r.get("items") or []) if isinstance(r, dict) else []:
                tid, state = task.get("dispatchId"), task.get("state")
                if state == "dispatched":
                    # A task that was already passed on once is contested more often.
                    if rnd.random() < (0.3 if task.get("redispatch") else 0.04):
                        disposal.call("POST", f"/api/v1/tasks/{tid}/return", {"reason": "不属于本单位职责范围"}, token=dept_tokens[code])
                    else:
                        disposal.call("POST", f"/api/v1/tasks/{tid}/accept", {}, token=dept_tokens[code])
                elif state == "accepted" and rnd.random() < 0.5:
                    if rnd.random() < 0.03:
                        disposal.call("POST", f"/api/v1/tasks/{tid}/suspension", {"reason": "需市级协调，暂无法处置"}, token=dept_tokens[code])
                    elif rnd.random() < 0.05:
                        disposal.call("POST", f"/api/v1/tasks/{tid}/extension", {"reason": "需协调施工单位",
                                      "requestedDeadline": task.get("deadline")}, token=dept_tokens[code])
                    else:
                        disposal.call("POST", f"/api/v1/tasks/{tid}/complete", {"result": "已处置完毕",
                                      "photos": [f"https://photos.example/done-{tid}.jpg"]}, token=dept_tokens[code])
        # 3. The centre: verification, checks, closing, decisions.
        def cases(state):
            st, r = supervision.call("GET", f"/api/v1/cases?state={state}&limit=100", token=tokens["SHIFT_LEADER_TOKEN"])
            return (r.get("cases") or r.get("items") or []) if st == 200 and isinstance(r, dict) else []
        # Acceptors: reports no automation could place. Vague ones are not accepted (不予受理); the rest
        # are accepted and verified on site, and the dispatch desk places them by hand.
        for c in cases("awaiting_accept"):
            if ripe(c["id"], "awaiting_accept"):
                if rnd.random() < 0.4:
                    supervision.call("POST", f"/api/v1/cases/{c['id']}/reject", {"reason": "地址不详，无法核实"}, token=tokens["ACCEPTOR_TOKEN"])
                else:
                    supervision.call("POST", f"/api/v1/cases/{c['id']}/accept", {}, token=tokens["ACCEPTOR_TOKEN"])
        st, desk = routing.call("GET", "/api/v1/manual-dispatch")
        for item in (desk.get("items") or []) if st == 200 and isinstance(desk, dict) else []:
            if not ripe(item["caseId"], "desk-" + item["reason"]):
                continue
            if item["reason"] == "unlocatable":
                # The dispatcher finds the place on the map (here: any grid) and locates it by hand.
                routing.call("POST", f"/api/v1/manual-dispatch/{item['caseId']}/locate", {"gridCode": rnd.choice(grids)["code"]})
            else:
                for code in rnd.sample(departments, 3):
                    st, _ = routing.call("POST", f"/api/v1/manual-dispatch/{item['caseId']}/dispatch", {"departmentCode": code})
                    if st == 200:
                        break
        # People take their time: each tick only some of the waiting work is done.
        for c in cases("awaiting_verify"):
            if not ripe(c["id"], "awaiting_verify"): continue
            supervision.call("POST", f"/api/v1/cases/{c['id']}/verification",
                             {"result": "confirmed" if rnd.random() < 0.85 else "refuted", "note": "现场核实"})
        for c in cases("awaiting_check"):
            if not ripe(c["id"], "awaiting_check"): continue
            supervision.call("POST", f"/api/v1/cases/{c['id']}/check", {"passed": rnd.random() < 0.9, "note": "现场核查"})
        for c in cases("awaiting_close"):
            if not ripe(c["id"], "awaiting_close"): continue
            supervision.call("POST", f"/api/v1/cases/{c['id']}/close", {}, token=tokens["SHIFT_LEADER_TOKEN"])
        for c in cases("self_handled_pending"):
            if not ripe(c["id"], "self_handled_pending"): continue
            supervision.call("POST", f"/api/v1/cases/{c['id']}/approve-self-handled", {}, token=tokens["SHIFT_LEADER_TOKEN"])
        for c in cases("in_handling"):
            pending = (c.get("pendingRequest") or {}).get("kind") if isinstance(c.get("pendingRequest"), dict) else c.get("pendingRequest")
            if pending and not ripe(c["id"], "pending-" + str(pending)):
                continue
            if pending in ("return", "return_requested"):
                supervision.call("POST", f"/api/v1/cases/{c['id']}/return-decision", {"approve": True}, token=tokens["DISPATCHER_TOKEN"])
            elif pending in ("extension", "extension_requested"):
                supervision.call("POST", f"/api/v1/cases/{c['id']}/extension-decision", {"approve": True}, token=tokens["SHIFT_LEADER_TOKEN"])
            elif pending in ("suspension", "suspension_requested"):
                supervision.call("POST", f"/api/v1/cases/{c['id']}/suspension-decision", {"approve": rnd.random() < 0.8},
                                 token=tokens["SHIFT_LEADER_TOKEN"])
        # 督办: the dispatcher urges some overdue cases; the shift leader voids the odd duplicate.
        st, overdue = supervision.call("GET", "/api/v1/cases?overdue=true&state=in_handling&limit=20", token=tokens["SHIFT_LEADER_TOKEN"])
        for c in (overdue.get("items") or []) if st == 200 and isinstance(overdue, dict) else []:
            if rnd.random() < 0.1:
                supervision.call("POST", f"/api/v1/cases/{c['id']}/urge", {"message": "已超期，请加快处置"}, token=tokens["DISPATCHER_TOKEN"])
        for c in cases("in_handling"):
            if rnd.random() < 0.001:
                supervision.call("POST", f"/api/v1/cases/{c['id']}/void", {"reason": "与在办案件重复"}, token=tokens["SHIFT_LEADER_TOKEN"])
        # 挂账 cases come back now and then (resume: a new handling clock).
        for c in cases("suspended"):
            if rnd.random() < 0.1:
                supervision.call("POST", f"/api/v1/cases/{c['id']}/resume", {}, token=tokens["SHIFT_LEADER_TOKEN"])
        if n % 50 == 0:
            st, counts = supervision.call("GET", "/api/v1/cases/counts?by=status", token=tokens["SHIFT_LEADER_TOKEN"])
            log(f"{n} reports sent; case counts: {counts if st == 200 else st}")
        time.sleep(max(0.0, 1.0 - (time.time() - started)))

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
