#!/usr/bin/env python3
"""Workbench-load driver: 8 signed-in "browsers" replaying the API calls of the workbench's pages
through the console, concurrently. Prints, per page and per call, count and p50/p95/p99/max, and the
whole page's load and refresh times; writes JSON. Standard library only; run by scripts/workbench-load.

A browser is one session (POST /session as a page does: JSON body, HttpOnly cookie, CSRF token)
with at most 6 keep-alive connections to the console, as a browser keeps per host over HTTP/1.1.
It visits its post's pages in turn: each visit is the page's load (the calls its module makes
when it opens, in the module's order: what it awaits one after the other, what it sends together
in parallel), then REFRESHES refreshes (what the module's 10-second timer sends), each THINK
seconds after the last one ended: 10 is people's pace (the pages' timer), 0 a closed loop that
sends 25-30 times what eight people would, to find the capacity. Response bodies are read in full and never JSON-decoded, except the few bytes a page needs
to decide its next call (a list's nextCursor, an inbox's total).

Timing: a call's latency is from sending the request on a free connection to the last byte of
the answer (a browser's "waiting + content download"); a page's load/refresh time is wall time
from its first call to its last answer, including waiting for one of the 6 connections.
"""
import argparse
import http.client
import json
import os
import platform
import queue
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse

GOAL_MS = 200.0
CONNECTIONS_PER_BROWSER = 6
OPEN_STATES = ["reported", "awaiting_accept", "awaiting_verify", "awaiting_file", "awaiting_dispatch", "manual_dispatch",
               "in_handling", "suspended", "awaiting_check", "awaiting_close", "self_handled_pending"]
ENDED_STATES = "closed,voided,not_accepted,not_filed"


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def stats(values):
    v = sorted(values)
    return {"n": len(v), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95), "p99_ms": percentile(v, 99),
            "max_ms": v[-1] if v else None, "mean_ms": statistics.fmean(v) if v else None}


def query(params):
    return urllib.parse.urlencode({k: v for k, v in params.items() if v is not None and v != ""}, safe=",:")


def bbox_around(lat, lon, metres):
    import math
    d_lat = metres / 111320
    d_lon = metres / (111320 * math.cos(lat * math.pi / 180))
    return ",".join(f"{x:.6f}" for x in (lon - d_lon, lat - d_lat, lon + d_lon, lat + d_lat))


class Recorder:
    """Latencies per (page, call label) and per (page, phase); thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = {}     # (page, label) -> [ms]
        self.errors = {}    # (page, label) -> {status: n}
        self.phases = {}    # (page, phase) -> [ms]
        self.enabled = False

    def call(self, page, label, ms, status, body):
        if not self.enabled:
            return
        with self.lock:
            if status == 200:
                self.calls.setdefault((page, label), []).append(ms)
            else:
                bucket = self.errors.setdefault((page, label), {})
                bucket[status] = bucket.get(status, 0) + 1
                if bucket[status] == 1:
                    print(f"  {page}: {label} -> {status} {body[:160]!r}", file=sys.stderr)

    def phase(self, page, phase, ms):
        if self.enabled:
            with self.lock:
                self.phases.setdefault((page, phase), []).append(ms)


class Browser(threading.Thread):
    def __init__(self, index, host, port, account, pages, sample, recorder, refreshes, think, run, seed, barrier):
        super().__init__(daemon=True)
        self.index, self.host, self.port = index, host, port
        self.account, self.pages, self.sample = account, pages, sample
        self.recorder, self.refreshes, self.think = recorder, refreshes, think
        self.run_state, self.barrier = run, barrier
        self.rng = random.Random(seed)
        self.connections = queue.Queue()
        for _ in range(CONNECTIONS_PER_BROWSER):
            self.connections.put(http.client.HTTPConnection(host, port, timeout=120))
        self.cookie = None
        self.csrf = None
        self.page = "-"
        self.failure = None

    # ---- HTTP -------------------------------------------------------------------------------
    def request(self, method, path, body=None, headers=None):
        conn = self.connections.get()
        try:
            h = dict(headers or {})
            if self.cookie:
                h["Cookie"] = self.cookie
            if body is not None:
                h["Content-Type"] = "application/json"
            for attempt in (1, 2):
                try:
                    start = time.perf_counter()
                    conn.request(method, path, body=body, headers=h)
                    response = conn.getresponse()
                    data = response.read()
                    return (time.perf_counter() - start) * 1000.0, response, data
                except (http.client.HTTPException, ConnectionError, OSError):
                    conn.close()   # a dropped keep-alive connection: reconnect once
                    if attempt == 2:
                        raise
        finally:
            self.connections.put(conn)

    def sign_in(self):
        ms, response, data = self.request("POST", "/session", json.dumps(
            {"login": self.account["login"], "password": self.account["password"]}))
        if response.status != 200:
            raise RuntimeError(f"sign-in of {self.account['login']} answered {response.status}: {data[:200]!r}")
        cookie = response.getheader("Set-Cookie") or ""
        self.cookie = cookie.split(";", 1)[0]
        self.csrf = json.loads(data)["csrfToken"]
        return ms

    def get(self, label, path):
        """One GET as a page sends it (the console's path), recorded under the current page."""
        ms, response, data = self.request("GET", path, headers={"Accept": "application/json"})
        self.recorder.call(self.page, label, ms, response.status, data)
        return response.status, data

    def api(self, label, service, rest, params=None):
        q = query(params or {})
        return self.get(label, f"/api/{service}/{rest}" + (f"?{q}" if q else ""))

    # ---- shapes of a page's work ---------------------------------------------------------------
    @staticmethod
    def together(*lanes):
        """Runs lanes (functions) at the same time, as a page's Promise.all; returns when all ended."""
        if len(lanes) == 1:
            lanes[0]()
            return
        threads = [threading.Thread(target=lane, daemon=True) for lane in lanes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def timed(self, phase, work):
        start = time.perf_counter()
        work()
        self.recorder.phase(self.page, phase, (time.perf_counter() - start) * 1000.0)

    def run(self):
        try:
            self.sign_in()
            self.barrier.wait()
            self.run_state["go"].wait()
            stop_at = self.run_state["stop_at"]
            order = []
            while time.time() < stop_at:
                if not order:
                    order = list(self.pages)
                name = order.pop(0)
                self.page = name
                page = PAGES[name](self)
                self.timed("load", page["load"])
                for _ in range(self.refreshes if page.get("refresh") else 0):
                    if time.time() >= stop_at:
                        break
                    if self.think:
                        time.sleep(self.think)
                    self.timed("refresh", page["refresh"])
        except Exception as error:   # reported by the main thread
            self.failure = f"browser {self.index} ({self.account['login']}): {error!r}"
            try:
                self.barrier.abort()
            except threading.BrokenBarrierError:
                pass


# ---- the pages ---------------------------------------------------------------------------------
# Each returns {"load": fn, "refresh": fn or None} for one visit; the calls follow the page module
# (Services/console/Public/js/pages/<page>.js): `b.together` where the module uses Promise.all.

def frame(b):
    """What every page's start costs: main.js asks GET /session, the module awaits loadReference()
    (grid-routing /reference, cached by the module for the life of the tab: sent once per visit here,
    as a person opening the page anew)."""
    b.get("GET /session", "/session")
    b.api("grid-routing reference", "grid-routing", "reference")


def list_cases(b, label, params):
    return b.api(label, "supervision", "cases", params)


def scan_in_handling(b, filter, pages=5, size=200):
    """dispatcher.js scanInHandling(filter, pages): in-handling cases that match supervision's
    `pending` or `light` filter, up to `pages` pages of `size`, one after the other."""
    cursor = None
    shown = "&".join(f"{k}={v}" for k, v in filter.items())
    for _ in range(pages):
        status, data = list_cases(b, f"supervision cases?state=in_handling&{shown}&limit={size} (scan page)",
                                  {"state": "in_handling", **filter, "limit": size, "cursor": cursor})
        m = re.search(rb'"nextCursor"\s*:\s*"([^"]+)"', data) if status == 200 else None
        if not m:
            return
        cursor = m.group(1).decode()


def tasks_in(b, code, state, limit=2000):
    """department.js tasksIn(): pages of 200 of one task state, one after the other, up to `limit`."""
    size = min(200, limit)
    seen, page = 0, 1
    while seen < limit:
        status, data = b.api(f"disposal departments/{{code}}/tasks?state={state}&pageSize={size} (page)", "disposal",
                             f"departments/{urllib.parse.quote(code)}/tasks", {"state": state, "page": page, "pageSize": size})
        if status != 200:
            return
        m = re.search(rb'"total"\s*:\s*(\d+)', data)
        total = int(m.group(1)) if m else 0
        got = min(size, max(0, total - seen))
        seen += got
        if got < size or seen >= total:
            return
        page += 1


def page_acceptor(b):
    s = b.sample
    queue_params = {"state": "reported,awaiting_accept,awaiting_verify", "limit": 200}

    def refresh():
        list_cases(b, "supervision cases?state=reported,awaiting_accept,awaiting_verify&limit=200", queue_params)

    def load():
        frame(b)
        refresh()
        if s["accept"]:   # the acceptor opens the first case of the queue: its detail, then map and duplicates
            number, lon, lat = b.rng.choice(s["accept"][:20])
            b.api("supervision cases/{number}", "supervision", f"cases/{number}")
            b.together(
                lambda: b.api("supervision cases/near?radius=200&limit=100", "supervision", "cases/near", {"lon": lon, "lat": lat, "radius": 200, "limit": 100}),
                lambda: b.api("grid-routing grids?bbox=(600 m)", "grid-routing", "grids", {"bbox": bbox_around(lat, lon, 300)}))
    return {"load": load, "refresh": refresh}


def page_dispatcher(b):
    s = b.sample

    def refresh():
        b.together(
            lambda: b.api("grid-routing manual-dispatch", "grid-routing", "manual-dispatch"),
            lambda: scan_in_handling(b, {"pending": "return"}),
            lambda: scan_in_handling(b, {"light": "yellow"}, 1, 100),
            lambda: list_cases(b, "supervision cases?state=in_handling&overdue=true&limit=100",
                               {"state": "in_handling", "overdue": "true", "limit": 100}))

    def load():
        frame(b)
        refresh()
        if s["manual"]:   # the dispatcher takes the oldest desk item: the desk's view and the case, then the grids around it
            case_id, number, lon, lat = s["manual"][b.rng.randrange(min(20, len(s["manual"])))]
            b.together(
                lambda: b.api("grid-routing manual-dispatch/{caseId}", "grid-routing", f"manual-dispatch/{case_id}"),
                lambda: b.api("supervision cases/{number}", "supervision", f"cases/{number}"))
            if lon is not None:
                b.api("grid-routing grids?bbox=(900 m)", "grid-routing", "grids", {"bbox": bbox_around(lat, lon, 450)})
    return {"load": load, "refresh": refresh}


def page_shift_leader(b):
    queues = ["awaiting_file", "awaiting_close", "self_handled_pending", "suspended"]

    def refresh():
        b.together(lambda: scan_in_handling(b, {"pending": "extension,suspension"}),
                   *[(lambda st: lambda: list_cases(b, f"supervision cases?state={st}&limit=100", {"state": st, "limit": 100}))(st)
                     for st in queues])

    def load():
        frame(b)
        refresh()
    return {"load": load, "refresh": refresh}


def page_department(b):
    s = b.sample
    code = s["department"]

    def refresh():
        b.together(lambda: tasks_in(b, code, "dispatched"), lambda: tasks_in(b, code, "accepted"))

    def load():
        frame(b)
        refresh()
        if s["department_tasks"]:   # the first task of the inbox: its detail, then its grid on the map
            dispatch_id, grid = b.rng.choice(s["department_tasks"][:20])
            b.api("disposal tasks/{id}", "disposal", f"tasks/{dispatch_id}")
            b.api("grid-routing grids/{code}", "grid-routing", f"grids/{grid}")
    return {"load": load, "refresh": refresh}


def page_supervisor(b):
    district = b.account["scope"].split(":", 1)[1]

    def lists():
        return [lambda: list_cases(b, "supervision cases?state=awaiting_verify&limit=100", {"state": "awaiting_verify", "limit": 100}),
                lambda: list_cases(b, "supervision cases?state=awaiting_check&limit=100", {"state": "awaiting_check", "limit": 100})]

    def load():
        frame(b)
        # The district's grids are asked for while the queues load (not awaited).
        b.together(lambda: b.api("grid-routing grids?district=", "grid-routing", "grids", {"district": district}), *lists())
    return {"load": load, "refresh": lambda: b.together(*lists())}


def page_cases(b):
    s = b.sample
    shapes = [
        ("supervision cases?limit=50", {}),
        ("supervision cases?state=…&limit=50", {"state": b.rng.choice(["in_handling", "awaiting_check", "awaiting_close", "suspended"])}),
        ("supervision cases?district=&limit=50", {"district": b.rng.choice(s["districts"])}),
        ("supervision cases?department=&limit=50", {"department": b.rng.choice(s["departments"])}),
        ("supervision cases?overdue=true&limit=50", {"overdue": "true"}),
        ("supervision cases?q=<number>&limit=50", {"q": b.rng.choice(s["numbers"])}),
    ]
    label, params = b.rng.choice(shapes)
    params = {**params, "limit": 50}

    def refresh():
        list_cases(b, label, params)

    def load():
        frame(b)
        refresh()
    return {"load": load, "refresh": refresh}


def page_case(b):
    number, lon, lat, grid = b.rng.choice(b.sample["recent"])

    def load():
        frame(b)
        b.api("supervision cases/{number} (detail + timeline)", "supervision", f"cases/{number}")
        b.together(lambda: b.api("grid-routing grids/{code}", "grid-routing", f"grids/{grid}"),
                   lambda: b.api("supervision cases/near?radius=300&limit=100", "supervision", "cases/near", {"lon": lon, "lat": lat, "radius": 300, "limit": 100}))
    return {"load": load, "refresh": None}


def page_dashboard(b):
    s = b.sample
    now = s["now_epoch"] + 8 * 3600
    t = time.gmtime(now)
    months = []
    year, month = t.tm_year, t.tm_mon
    for _ in range(6):
        months.insert(0, f"{year}-{month:02d}")
        month -= 1
        if month == 0:
            month, year = 12, year - 1
    today_from = time.strftime("%Y-%m-%dT00:00:00+08:00", t)
    month_from = time.strftime("%Y-%m-01T00:00:00+08:00", t)
    today_to = time.strftime("%Y-%m-%dT23:59:59+08:00", t)
    open_states = ",".join(OPEN_STATES)
    b.dashboard_refreshes = getattr(b, "dashboard_refreshes", 0)

    def clock():
        if b.sample.get("console_clock"):
            b.get("GET /console/clock", "/console/clock")

    def counts():
        def c(label, params):
            return lambda: b.api(label, "supervision", "cases/counts", params)
        clock()
        b.together(
            c("supervision cases/counts?by=grid&state=<open>", {"by": "grid", "state": open_states}),
            c("supervision cases/counts?by=grid&state=<open>&overdue=true", {"by": "grid", "state": open_states, "overdue": "true"}),
            c("supervision cases/counts?by=status&state=<open>", {"by": "status", "state": open_states}),
            c("supervision cases/counts?by=status&state=<ended>&from=<month>", {"by": "status", "state": ENDED_STATES, "from": month_from}),
            c("supervision cases/counts?by=district&state=<open>", {"by": "district", "state": open_states}),
            c("supervision cases/counts?by=department&state=<open>", {"by": "department", "state": open_states}),
            c("supervision cases/counts?by=channel&from=<today>", {"by": "channel", "from": today_from, "to": today_to}),
            lambda: list_cases(b, "supervision cases?state=<open>&overdue=true&limit=50", {"state": open_states, "overdue": "true", "limit": 50}))

    def assessment(all_months):
        b.together(
            lambda: b.api("assessment rankings?family=departments", "assessment", "rankings", {"family": "departments", "period": months[-1]}),
            lambda: b.api("assessment rankings?family=areas&level=district", "assessment", "rankings",
                          {"family": "areas", "level": "district", "period": months[-1]}))
        for m in (months if all_months else months[-1:]):   # finished months are fetched once per visit
            b.api("assessment kpi/departments?period=", "assessment", "kpi/departments", {"period": m})

    def load():
        frame(b)
        clock()
        b.together(lambda: (b.api("grid-routing grids (whole city)", "grid-routing", "grids"), counts()),
                   lambda: assessment(True))

    def refresh():
        # Counts every 10 s, the assessment every 60 s (every 6th refresh).
        b.dashboard_refreshes += 1
        if b.dashboard_refreshes % 6 == 0:
            b.together(counts, lambda: assessment(False))
        else:
            counts()
    return {"load": load, "refresh": refresh}


def page_admin(b):
    def load():
        frame(b)
        b.get("GET /console/accounts", "/console/accounts")   # admin.js: the filters, all empty at first
    return {"load": load, "refresh": None}


PAGES = {"acceptor": page_acceptor, "dispatcher": page_dispatcher, "shift-leader": page_shift_leader,
         "department": page_department, "supervisor": page_supervisor, "cases": page_cases, "case": page_case,
         "dashboard": page_dashboard, "admin": page_admin}


def fmt(v):
    return "-" if v is None else (f"{v:8.1f}" if v < 1000 else f"{v:8.0f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True, help="the console")
    ap.add_argument("--sample", required=True)
    ap.add_argument("--accounts", required=True, help="JSON: [{login, password, role, scope, pages: [...]}], one per browser")
    ap.add_argument("--seconds", type=float, default=90.0)
    ap.add_argument("--warmup", type=float, default=15.0)
    ap.add_argument("--refreshes", type=int, default=5, help="refreshes after each page load")
    ap.add_argument("--think", type=float, default=0.0, help="seconds between refreshes (0: back to back; a page waits 10)")
    ap.add_argument("--output", required=True)
    ap.add_argument("--label", default="")
    ap.add_argument("--notes", default="", help="what each service holds (printed and stored)")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    url = urllib.parse.urlparse(args.url)
    with open(args.sample) as f:
        sample = json.load(f)
    with open(args.accounts) as f:
        accounts = json.load(f)

    # The console's own endpoints some pages use exist only on newer builds: measured only when there.
    # Unauthenticated: a route that exists answers 401, one that does not 404.
    def exists(path):
        probe = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        probe.request("GET", path)
        r = probe.getresponse()
        r.read()
        probe.close()
        return r.status != 404
    skipped = []
    sample["console_clock"] = exists("/console/clock")
    if not sample["console_clock"]:
        skipped.append("GET /console/clock (dashboard's clock; not on this console build)")
    if not exists("/console/accounts"):
        skipped.append("the admin page (GET /console/accounts; not on this console build)")
        for a in accounts:
            a["pages"] = [p for p in a["pages"] if p != "admin"] or ["cases"]

    if not args.notes:
        args.notes = (f"data: supervision {sample['cases']:,} cases (the only service with a million); disposal {sample['tasks']:,} tasks "
                      f"(department {sample['department']}: {sample['department_open'] or 0:,} open, the busiest); grid-routing "
                      f"{sample['grids']:,} grids, {sample['manual_queue']:,} desk items; assessment {sample['assessment_facts']:,} case facts")
    recorder = Recorder()
    run = {"go": threading.Event(), "stop_at": None}
    barrier = threading.Barrier(len(accounts) + 1)
    browsers = [Browser(i, url.hostname, url.port, a, a["pages"], sample, recorder, args.refreshes, args.think, run,
                        args.seed * 100 + i, barrier) for i, a in enumerate(accounts)]
    for b in browsers:
        b.start()
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        for b in browsers:
            if b.failure:
                print(b.failure, file=sys.stderr)
        sys.exit(1)
    run["stop_at"] = time.time() + args.warmup + args.seconds
    run["go"].set()
    print(f"{len(browsers)} browsers signed in; warm-up {args.warmup:.0f} s, then {args.seconds:.0f} s measured")
    time.sleep(args.warmup)
    recorder.enabled = True
    measured_from = time.time()
    for b in browsers:
        b.join()
    seconds = time.time() - measured_from
    failures = [b.failure for b in browsers if b.failure]
    for f_ in failures:
        print(f_, file=sys.stderr)

    page_order = [p for p in PAGES if any(p in a["pages"] for a in accounts)]
    out_pages = {}
    total_calls = 0
    print(f"\n{args.notes}" if args.notes else "")
    pace = "closed loop" if args.think == 0 else "people's pace"
    print(f"{len(browsers)} browsers, {pace} ({args.refreshes} refreshes per page load, {args.think:g} s between), "
          f"{seconds:.0f} s measured; latencies in ms through the console; goal (never asserted): every call's p95 < {GOAL_MS:.0f} ms")
    for page in page_order:
        labels = sorted({label for (p, label) in list(recorder.calls) + list(recorder.errors) if p == page},
                        key=lambda l: (l.split(" ")[0] != "GET", l))
        rows = {}
        for label in labels:
            st = stats(recorder.calls.get((page, label), []))
            st["errors"] = {str(k): v for k, v in recorder.errors.get((page, label), {}).items()}
            st["goal_met"] = st["p95_ms"] is not None and st["p95_ms"] < GOAL_MS
            rows[label] = st
            total_calls += st["n"] + sum(st["errors"].values())
        phases = {ph: stats(recorder.phases.get((page, ph), [])) for ph in ("load", "refresh") if recorder.phases.get((page, ph))}
        missed = [l for l, r in rows.items() if r["n"] and not r["goal_met"]]
        failed = [l for l, r in rows.items() if not r["n"] and r["errors"]]
        out_pages[page] = {"calls": rows, "phases": phases, "missed": missed, "unanswered": failed,
                           "goal_met": bool(rows) and not missed and not failed}
        print(f"\n{page}  (browsers: {', '.join(a['login'] for a in accounts if page in a['pages'])})")
        print(f"  {'call':<66}{'n':>6}{'err':>5}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}  p95<{GOAL_MS:.0f}")
        for label, r in rows.items():
            err = sum(r["errors"].values())
            mark = "yes" if r["goal_met"] else ("NO" if r["n"] else f"no answer ({','.join(r['errors'])})")
            print(f"  {label[:66]:<66}{r['n']:>6}{err:>5} {fmt(r['p50_ms'])} {fmt(r['p95_ms'])} {fmt(r['p99_ms'])} {fmt(r['max_ms'])}  {mark}")
        for ph, r in phases.items():
            print(f"  {'whole page ' + ph + ' (calls in the page order)':<66}{r['n']:>6}{'':>5} {fmt(r['p50_ms'])} {fmt(r['p95_ms'])} "
                  f"{fmt(r['p99_ms'])} {fmt(r['max_ms'])}")
        print(f"  goal: {'MET' if out_pages[page]['goal_met'] else 'MISSED'}"
              + (f"; p95 ≥ {GOAL_MS:.0f} ms: {', '.join(missed)}" if missed else "")
              + (f"; not answered: {', '.join(failed)}" if failed else ""))
    print(f"\n{total_calls} calls in {seconds:.0f} s = {total_calls / seconds:.0f} calls/s through the console")
    for s_ in skipped:
        print(f"not measured: {s_}")
    met = [p for p, r in out_pages.items() if r["goal_met"]]
    print(f"goal (never asserted): every page's calls p95 < {GOAL_MS:.0f} ms with {len(browsers)} browsers: "
          f"met by {len(met)} of {len(out_pages)} pages" + (f" ({', '.join(met)})" if met else ""))

    out = {
        "label": args.label, "notes": args.notes,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadavg": os.getloadavg()},
        "data": {k: sample.get(k) for k in ("cases", "tasks", "grids", "manual_queue", "assessment_facts", "department", "department_open")},
        "browsers": [{"login": a["login"], "role": a["role"], "scope": a["scope"], "pages": a["pages"]} for a in accounts],
        "refreshes_per_load": args.refreshes, "think_seconds": args.think, "seconds": seconds,
        "calls_per_second": total_calls / seconds if seconds else None,
        "goal": {"p95_ms": GOAL_MS, "pages_met": met}, "skipped": skipped, "failures": failures,
        "pages": out_pages,
    }
    with open(args.output, "w") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
    print(f"JSON: {args.output}")


if __name__ == "__main__":
    main()
