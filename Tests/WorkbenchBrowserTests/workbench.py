#!/usr/bin/python3
"""The workbench in Debian's headless Chromium, one check per "Must show" item of issue 13.

Run by Tests/WorkbenchBrowserTests (scripts/test) against a scratch city: the five services and
the console. Everything a person does goes through the pages; the services' own APIs are used only
to bring a report in from outside (as the 12345 hotline would) and to read where the case stands.

Environment (set by the Swift test):
  CG_BASE_URL            the console, e.g. http://127.0.0.1:23456
  CG_ACCOUNTS            JSON list of {key, login, password, role, scope}
  CG_SERVICES            JSON {product: base URL} of the five services
  CG_TOKENS              JSON {acceptor, auditor, dispatcher, supervisor: bearer token} for setup and observation
  CG_DEPARTMENT_TOKENS   JSON {department code: token} (departments returning a case, as their own systems would)
  CG_FAILURES_PER_LOGIN  the console's per-login sign-in failure limit
  CG_PUBLIC              the pages' folder (for the message catalogues)
  CG_ARTIFACTS           a folder for screenshots of failed checks

Every check prints one line, "ok   <check>" or "FAIL <check>: <why>"; the exit status is the
number of failed checks (capped at 100). A check that depends on an earlier one fails with that
reason rather than pretending.
"""
import json
import os
import re
import sys
import time
import traceback
import urllib.error
import urllib.request
import uuid

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

BASE = os.environ["CG_BASE_URL"].rstrip("/")
ACCOUNTS = {account["key"]: account for account in json.loads(os.environ["CG_ACCOUNTS"])}
SERVICES = json.loads(os.environ["CG_SERVICES"])
TOKENS = json.loads(os.environ["CG_TOKENS"])
DEPARTMENT_TOKENS = json.loads(os.environ.get("CG_DEPARTMENT_TOKENS", "{}"))
FAILURES_PER_LOGIN = int(os.environ.get("CG_FAILURES_PER_LOGIN", "3"))
PUBLIC = os.environ["CG_PUBLIC"]
ARTIFACTS = os.environ.get("CG_ARTIFACTS", "/tmp/citygrid-browser")

# Where each post lands after signing in (js/main.js homeOf) and the page that shows it.
HOME = {"acceptor": "acceptor", "dispatcher": "dispatcher", "shift_leader": "shift-leader", "department": "department",
        "supervisor": "supervisor", "auditor": "dashboard", "admin": "admin"}

# The test's case is placed by hand in this grid (新城区 150102, street office STREET-150102001,
# where the department account works); any grid of the same street gives the same department.
TARGET_GRID = "150102001001001"
TARGET_STREET = TARGET_GRID[:9]
TARGET_DEPARTMENT = "STREET-" + TARGET_STREET
# A point inside that grid, for a supervisor's report with coordinates.
TARGET_POINT = {"longitude": 111.68019, "latitude": 40.83302}
# The department the dispatcher chooses by hand once every one of the chain has returned a case.
HAND_CHOSEN_DEPARTMENT = "CGZF"

with open(os.path.join(PUBLIC, "i18n", "zh-CN.json"), encoding="utf-8") as handle:
    CATALOGUE = json.load(handle)
with open(os.path.join(PUBLIC, "i18n", "en.json"), encoding="utf-8") as handle:
    CATALOGUE_EN = json.load(handle)


class CheckFailed(Exception):
    """A check's finding, said in words the reader of the test log can act on."""


# ---- the services, as the outside world and an observer see them ----------------------------

def service(product, method, path, body=None, token=None, form=None):
    """One call to a service; (status, decoded JSON or text)."""
    url = SERVICES[product] + path
    headers = {"Accept": "application/json"}
    data = None
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = form.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw.decode() or "null")
    except ValueError:
        return status, raw.decode(errors="replace")


def case_detail(case_id):
    """Supervision's view of the case (case + timeline) for a city-wide auditor, or None."""
    status, body = service("supervision", "GET", f"/api/v1/cases/{case_id}", token=TOKENS["auditor"])
    return body if status == 200 else None


def case_state(case_id):
    detail = case_detail(case_id)
    return detail["case"]["state"] if detail else None


def wait_for(what, condition, timeout=45, every=0.5):
    """Polls condition() until it returns something truthy; that value, or CheckFailed."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = condition()
        except Exception as error:  # a failed poll is only a miss
            last = error
        if isinstance(last, RuntimeError) and not isinstance(last, CheckFailed):
            raise CheckFailed(f"{what}: {last}")
        if last and not isinstance(last, Exception):
            return last
        time.sleep(every)
    raise CheckFailed(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def wait_state(case_id, *states, timeout=45):
    return wait_for(f"case state in {states}", lambda: case_state(case_id) in states and case_state(case_id), timeout)


def in_manual_queue(case_id):
    status, body = service("grid-routing", "GET", "/api/v1/manual-dispatch", token=TOKENS["dispatcher"])
    if status != 200:
        return None
    return next((item for item in body.get("items", []) if item.get("caseId", "").lower() == case_id.lower()), None)


# ---- the browser -----------------------------------------------------------------------------

class Browser:
    def __init__(self):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,768", "--lang=zh-CN"]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_script_timeout(30)

    def quit(self):
        self.driver.quit()

    # finding things

    def find(self, selector, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, selector)

    def wait_css(self, selector, timeout=20, visible=False, what=None):
        def present():
            found = [e for e in self.find(selector) if not visible or e.is_displayed()]
            return found[0] if found else None
        try:
            return wait_for(what or f"'{selector}' on the page", present, timeout, every=0.25)
        except CheckFailed as failure:
            raise CheckFailed(f"{failure} — the page shows: {self.view_text()!r}") from None

    def view_text(self, limit=300):
        try:
            text = self.driver.execute_script("const v = document.getElementById('view'); return v ? v.innerText : document.body.innerText;")
        except WebDriverException:
            return ""
        return re.sub(r"\s+", " ", text or "").strip()[:limit]

    def page(self, name, timeout=25):
        """Waits for the page's root (#page-<name>); a page the frame could not load or refused
        to show says so at once."""
        forbidden = CATALOGUE.get("page.forbidden.title")
        def shown():
            found = self.find(f"#page-{name}")
            if found:
                return found[0]
            failed = self.find("#view > section.panel.error")
            headings = [h.text for h in self.find("#view > section.panel > h1")]
            if failed or forbidden in headings:
                return RuntimeError(self.view_text())
            return None
        try:
            result = wait_for(f"#page-{name}", shown, timeout, every=0.25)
        except CheckFailed as failure:
            raise CheckFailed(f"#page-{name} not shown at {self.driver.current_url}: {failure} — the page shows: {self.view_text()!r}") from None
        return result

    # navigation and sessions

    def open(self, route):
        """Goes to #/<route> (a hash change, or a load when another page is open)."""
        target = f"{BASE}/#/{route}"
        if self.driver.current_url.startswith(BASE):
            self.driver.execute_script("location.hash = arguments[0];", f"#/{route}")
        else:
            self.driver.get(target)

    def reload(self, route):
        self.driver.get(f"{BASE}/#/{route}")
        self.driver.refresh()

    def sign_in_form(self):
        return self.wait_css("#page-sign-in #login, form#sign-in #login", 20, what="the sign-in form")

    def sign_in(self, key, password=None):
        """A fresh session as the account `key`: cookies gone, a new document on the sign-in page
        (the page keeps its session in memory: a hash change alone would not drop it), no page
        remembered from the previous person, then the form."""
        account = ACCOUNTS[key]
        try:
            self.driver.delete_all_cookies()
        except WebDriverException:  # nothing open yet
            pass
        self.driver.get("about:blank")
        self.driver.get(f"{BASE}/#/sign-in")
        self.driver.execute_script("sessionStorage.clear(); localStorage.removeItem('cg.language');")
        self.type_credentials(account["login"], password if password is not None else account["password"])

    def type_credentials(self, login, password):
        field = self.sign_in_form()
        field.clear()
        field.send_keys(login)
        secret = self.wait_css("#password")
        secret.clear()
        secret.send_keys(password)
        self.wait_css("#sign-in-button").click()

    def fetch(self, method, path, body=None, csrf=True, csrf_value=None):
        """fetch() from the page itself (its cookie, its origin): {status, code, text}."""
        return self.driver.execute_async_script("""
            const [method, path, body, csrf, csrfValue, done] = arguments;
            (async () => {
              const headers = { Accept: "application/json" };
              if (body !== null) headers["Content-Type"] = "application/json";
              if (csrf) {
                if (csrfValue !== null) headers["X-CSRF-Token"] = csrfValue;
                else {
                  const session = await fetch("/session", { headers: { Accept: "application/json" } });
                  if (session.ok) headers["X-CSRF-Token"] = (await session.json()).csrfToken;
                }
              }
              const response = await fetch(path, { method, headers, credentials: "same-origin",
                                                    body: body === null ? undefined : JSON.stringify(body) });
              const text = await response.text();
              let code = null;
              try { code = JSON.parse(text).error.code; } catch (e) {}
              return { status: response.status, code, text: text.slice(0, 400) };
            })().then(done, (error) => done({ status: -1, code: "script", text: String(error) }));
        """, method, path, body, csrf, csrf_value)

    def console_errors(self):
        try:
            return [entry["message"] for entry in self.driver.get_log("browser") if entry.get("level") == "SEVERE"]
        except WebDriverException:
            return []

    def screenshot(self, name):
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = os.path.join(ARTIFACTS, re.sub(r"[^a-z0-9-]+", "-", name.lower()) + ".png")
        try:
            self.driver.save_screenshot(path)
            return path
        except WebDriverException:
            return None

    # acting on a queue

    def click(self, element):
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        try:
            ActionChains(self.driver).move_to_element(element).click().perform()
        except WebDriverException:
            self.driver.execute_script("arguments[0].click();", element)

    def row(self, selector, route, timeout=40):
        """The queue row, reloading the page now and then (pages refresh themselves only every ≥ 10 s)."""
        deadline = time.time() + timeout
        while True:
            found = self.find(selector)
            if found:
                return found[0]
            if time.time() > deadline:
                raise CheckFailed(f"no row {selector} on #/{route} within {timeout} s — the page shows: {self.view_text()!r}")
            time.sleep(4)
            self.reload(route)
            time.sleep(1)

    def select(self, row):
        """Opens a queue row as a person does, without landing on a link inside it (table() opens a
        row on a click whose target is not a link or button)."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});"
                                   "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));", row)

    def action_button(self, row, action, approve=None, department=None, timeout=10):
        """The button for `action` on the row's case: in the row, else in the panel opened by selecting the row."""
        selector = f'button[data-action="{action}"]'
        if approve is not None:
            selector += f'[data-approve="{"true" if approve else "false"}"]'
        if department is not None:
            selector += f'[data-department="{department}"]'
        inside = [b for b in self.find(selector, row) if b.is_displayed()]
        if inside:
            return inside[0]
        self.select(row)
        return self.wait_css(selector, timeout, visible=True, what=f"a {selector} button after selecting the row")

    def fill_dialog(self, values=None):
        """Fills the open ask() dialog's required fields (given values first) and submits it."""
        values = values or {}
        try:
            dialog = self.wait_css("dialog.ask-dialog[open]", 5)
        except CheckFailed:
            return False
        for field in self.find("input, textarea, select", dialog):
            name = field.get_attribute("name") or ""
            kind = (field.get_attribute("type") or "").lower()
            if name in values:
                field.clear()
                field.send_keys(values[name])
            elif field.get_attribute("required") is not None and not field.get_attribute("value") and field.tag_name != "select":
                if kind == "datetime-local":
                    continue
                field.send_keys("https://photos.example/browser-test.jpg" if "photo" in name.lower() else "浏览器测试：现场已处理")
        self.find("button[type=submit]", dialog)[0].click()
        return True

    def act(self, row_selector, route, action, approve=None, values=None, what=None):
        """Takes `action` on a queue row: finds the row and its button afresh when a poll redraws
        them between finding and clicking (pages refresh themselves)."""
        what = what or action
        for attempt in range(4):
            try:
                row = self.row(row_selector, route)
                return self.take(self.action_button(row, action, approve=approve), values=values, what=what)
            except StaleElementReferenceException:
                if attempt == 3:
                    raise CheckFailed(f"the page kept redrawing {row_selector} while {what} was being taken")
                time.sleep(1)

    def take(self, button, values=None, what="the action"):
        """Clicks an action button, answers its dialog, and waits for the page's result message."""
        self.driver.execute_script("const f = document.getElementById('flash'); if (f) f.replaceChildren();")
        self.click(button)
        self.fill_dialog(values)
        result = self.wait_css("#flash .flash.ok, #flash .flash.error", 30, what=f"the result of {what}")
        if "error" in (result.get_attribute("class") or ""):
            raise CheckFailed(f"{what} was refused: {result.text!r}")
        return result.text


# ---- the checks ----------------------------------------------------------------------------

class Run:
    def __init__(self):
        self.browser = Browser()
        self.results = []
        self.case = None          # {"id", "number"} of the report the flow walks
        self.done = set()         # checks that passed

    def check(self, name, needs=()):
        def decorate(work):
            missing = [need for need in needs if need not in self.done]
            if missing:
                self.report(name, False, f"not run: needs {', '.join(missing)} first")
                return work
            started = time.time()
            try:
                note = work()
                self.done.add(name)
                self.report(name, True, f"{note} ({time.time() - started:.1f} s)" if note else f"({time.time() - started:.1f} s)")
            except CheckFailed as failure:
                self.report(name, False, str(failure))
            except WebDriverException as error:  # the browser's own trouble: its message, not its C++ stack
                self.report(name, False, f"{type(error).__name__}: {(error.msg or str(error)).splitlines()[0]}\n"
                                         f"{''.join(traceback.format_tb(error.__traceback__, limit=-2))}")
            except Exception as error:  # a broken check is a failed check, with where it broke
                self.report(name, False, f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=3)}")
            return work
        return decorate

    def report(self, name, passed, text):
        if passed:
            print(f"ok   {name} {text}")
        else:
            shot = self.browser.screenshot(name)
            errors = self.browser.console_errors()
            print(f"FAIL {name}: {text}")
            if shot:
                print(f"     screenshot: {shot}")
            for error in errors[:5]:
                print(f"     browser console: {error[:300]}")
        self.results.append((name, passed))
        sys.stdout.flush()


def main():
    run = Run()
    browser = run.browser
    try:
        steps(run, browser)
    finally:
        browser.quit()
    failed = [name for name, passed in run.results if not passed]
    print(f"\n{len(run.results) - len(failed)} of {len(run.results)} checks passed" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return min(len(failed), 100)


def steps(run, browser):
    @run.check("sign in as each post: lands on its page")
    def _():
        landed = []
        problems = []
        for key in ["acceptor", "dispatcher", "shift_leader", "supervisor", "department", "auditor", "admin"]:
            home = HOME[ACCOUNTS[key]["role"]]
            browser.sign_in(key)
            try:
                browser.page(home)
                if f"#/{home}" not in browser.driver.current_url:
                    problems.append(f"{key}: #page-{home} shown but the URL is {browser.driver.current_url}")
                else:
                    landed.append(home)
            except CheckFailed as failure:
                problems.append(f"{key}: {failure}")
        if problems:
            raise CheckFailed("; ".join(problems))
        return "→ " + ", ".join(landed)

    # A public report the city cannot place: 12345 passes it on with an address no gazetteer knows,
    # so grid-routing queues it for a hand placement and supervision puts it in the acceptors' queue.
    @run.check("setup: a 12345 report nobody can place reaches the acceptors' queue")
    def _():
        marker = f"浏览器测试-{uuid.uuid4().hex[:8]}"
        status, body = service("intake", "POST", "/api/v1/reports", token=TOKENS["acceptor"], body={
            "channel": "hotline_12345", "channelReference": f"12345-{uuid.uuid4()}", "kind": "event", "classCode": "0102",
            "location": {"address": "在一个十字路口"}, "description": f"市民反映路口有垃圾堆放（{marker}）", "photos": [],
        })
        if status != 201:
            raise CheckFailed(f"intake answered {status}: {body}")
        run.case = {"id": body["caseId"].lower(), "number": body["caseNumber"]}
        wait_state(run.case["id"], "awaiting_accept")
        wait_for("the report in grid-routing's manual-dispatch queue", lambda: in_manual_queue(run.case["id"]))
        return f"case {run.case['number']}"

    setup = "setup: a 12345 report nobody can place reaches the acceptors' queue"

    @run.check("an acceptor accepts the public report (it goes to on-site verification)", needs=[setup])
    def _():
        number, case_id = run.case["number"], run.case["id"]
        browser.sign_in("acceptor")
        browser.page("acceptor")
        browser.act(f'tr[data-case="{number}"]', "acceptor", "accept")
        state = wait_state(case_id, "awaiting_verify", "awaiting_file", "awaiting_dispatch")
        entries = case_detail(case_id)["timeline"]
        by_acceptor = [e for e in entries if e.get("actorRole") == "acceptor" and e.get("action") in ("accept", "request_verification")]
        if not by_acceptor:
            raise CheckFailed(f"no acceptance by the acceptor in the timeline: {[e.get('action') for e in entries]}")
        return f"→ {state}, {by_acceptor[-1]['action']} by {by_acceptor[-1].get('actorId')}"

    accepted = "an acceptor accepts the public report (it goes to on-site verification)"

    @run.check("a dispatcher on the manual desk places the report by choosing its grid on the map", needs=[accepted])
    def _():
        number, case_id = run.case["number"], run.case["id"]
        browser.sign_in("dispatcher")
        browser.page("dispatcher")
        row = browser.row(f'tr[data-case="{number}"]', "dispatcher")
        browser.select(row)
        # The map of the desk draws the grids; the dispatcher picks the one the caller described.
        try:
            polygon = browser.wait_css(f"path.grid-{TARGET_GRID}", 20, what=f"grid {TARGET_GRID} drawn on the desk's map")
        except CheckFailed:
            same_street = browser.find(f'path[class*="grid-{TARGET_STREET}"]')
            if not same_street:
                drawn = len(browser.find('path[class*="grid-"]'))
                raise CheckFailed(f"the desk's map does not draw grid {TARGET_GRID} nor any grid of street {TARGET_STREET} "
                                  f"({drawn} grid polygons drawn) — the page shows: {browser.view_text()!r}")
            polygon = same_street[0]
        chosen = next(c[len("grid-"):] for c in polygon.get_attribute("class").split() if c.startswith("grid-"))
        # A click on the polygon, as a mouse makes it (at the middle of its box); on a whole-city
        # map a grid is a few pixels wide, so if a neighbour took the click, the polygon itself is clicked.
        browser.click(polygon)
        locate = browser.wait_css('button[data-action="locate"]', 15, visible=True, what="the locate button after choosing a grid")
        shown = browser.find("#desk-grid")
        if not locate.is_enabled() or (shown and not shown[0].text.startswith(chosen)):
            browser.driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}));", polygon)
            time.sleep(0.5)
        if not locate.is_enabled():
            raise CheckFailed(f"the locate button stays disabled after clicking grid {chosen} on the map")
        # The desk with the grid chosen, kept with the run's pictures (docs/workbench.md shows one).
        browser.screenshot("desk-grid-chosen")
        browser.take(locate, values={"gridCode": chosen}, what=f"locate in {chosen}")
        # A filed case waiting for a department shows the responsibility chain to choose from; a case
        # placed before filing is routed along that chain once it is filed.
        time.sleep(2)
        choices = [b for b in browser.find('button[data-action="dispatch"][data-department]')
                   if b.is_displayed() and b.is_enabled() and b.get_attribute("data-excluded") != "true"]
        how = "placed on the map"
        if choices and in_manual_queue(case_id):
            department = choices[0].get_attribute("data-department")
            browser.take(choices[0], what=f"dispatch to {department}")
            how = f"placed on the map and dispatched to {department} by hand"
        wait_for("the desk's item to be resolved", lambda: not in_manual_queue(case_id), timeout=30)
        placed = wait_for("supervision to know the chosen grid",
                          lambda: (case_detail(case_id)["case"].get("gridCode") == chosen) and chosen, timeout=30)
        run.case["grid"] = placed
        return f"{how}: grid {placed}"

    located = "a dispatcher on the manual desk places the report by choosing its grid on the map"

    @run.check("the district's supervisor confirms the report on site (supervisor page); the case is filed and dispatched", needs=[located])
    def _():
        number, case_id = run.case["number"], run.case["id"]
        if case_state(case_id) == "awaiting_verify":
            browser.sign_in("supervisor")
            browser.page("supervisor")
            browser.act(f'tr[data-case="{number}"]', "supervisor", "verification", approve=True, what="verification confirmed")
        elif case_state(case_id) == "awaiting_file":
            # Filing is automatic after a confirmed verification; a case left here waits for the shift leader.
            browser.sign_in("shift_leader")
            browser.page("shift-leader")
            browser.act(f'tr[data-case="{number}"]', "shift-leader", "file")
        wait_state(case_id, "in_handling", timeout=60)
        detail = case_detail(case_id)["case"]
        run.case["dispatch"] = (detail.get("currentDispatchId") or "").lower()
        run.case["department"] = detail.get("currentDepartment")
        if run.case["department"] != TARGET_DEPARTMENT:
            raise CheckFailed(f"dispatched to {run.case['department']}, the test's department account works for {TARGET_DEPARTMENT}")
        return f"→ {run.case['department']} task {run.case['dispatch']}"

    dispatched = "the district's supervisor confirms the report on site (supervisor page); the case is filed and dispatched"

    @run.check("the department completes the task in its web inbox", needs=[dispatched])
    def _():
        case_id, task = run.case["id"], run.case["dispatch"]
        browser.sign_in("department")
        browser.page("department")
        browser.act(f'tr[data-task="{task}"]', "department", "accept", what="accept (签收)")
        wait_for("the task signed for", lambda: any(e.get("action") == "accept_task" for e in case_detail(case_id)["timeline"]))
        browser.act(f'tr[data-task="{task}"]', "department", "complete", values={"result": "已清运，路口恢复整洁"}, what="complete (处理反馈)")
        def check_sent():
            detail = case_detail(case_id)
            return detail["case"]["state"] == "awaiting_check" and any(e.get("action") == "request_check" for e in detail["timeline"])
        wait_for("the completion and the check task sent to the supervisor", check_sent, timeout=60)
        return "→ awaiting_check, check task sent"

    completed = "the department completes the task in its web inbox"

    @run.check("the supervisor's check passes", needs=[completed])
    def _():
        number, case_id = run.case["number"], run.case["id"]
        browser.sign_in("supervisor")
        browser.page("supervisor")
        browser.act(f'tr[data-case="{number}"]', "supervisor", "check", approve=True, what="check passed")
        wait_state(case_id, "awaiting_close")
        return "→ awaiting_close"

    checked = "the supervisor's check passes"

    @run.check("the shift leader closes the case", needs=[checked])
    def _():
        number, case_id = run.case["number"], run.case["id"]
        browser.sign_in("shift_leader")
        browser.page("shift-leader")
        browser.act(f'tr[data-case="{number}"]', "shift-leader", "close")
        wait_state(case_id, "closed")
        return "→ closed"

    closed = "the shift leader closes the case"

    @run.check("the case detail shows the whole timeline, report to close", needs=[closed])
    def _():
        number, case_id = run.case["number"], run.case["id"]
        expected = [entry["action"] for entry in case_detail(case_id)["timeline"]]
        browser.sign_in("auditor")
        browser.open(f"case/{number}")
        browser.page("case")
        browser.wait_css("#case-timeline li[data-action]", 20, what="the timeline's entries")
        shown = [item.get_attribute("data-action") for item in browser.find("#case-timeline li[data-action]")]
        if shown != expected and list(reversed(shown)) != expected:
            raise CheckFailed(f"the page shows {shown}, the case's timeline is {expected}")
        for needed in ["report", "dispatch", "complete", "check_passed", "close"]:
            if needed not in shown:
                raise CheckFailed(f"{needed} missing from the shown timeline {shown}")
        return " → ".join(shown)

    @run.check("a district supervisor cannot see another district's case, in the page or through the API", needs=[located])
    def _():
        number, case_id = run.case["number"], run.case["id"]
        # The case's own district sees it (so the refusal below is about scope, not a broken page).
        browser.sign_in("supervisor")
        browser.page("supervisor")
        own = browser.fetch("GET", f"/api/supervision/cases/{case_id}")
        if own["status"] != 200:
            raise CheckFailed(f"the case's own district supervisor got {own['status']} {own['text']!r}")
        browser.sign_in("other_supervisor")
        browser.page("supervisor")
        browser.open(f"case/{number}")
        browser.page("case")
        not_found_texts = [CATALOGUE.get("error.not_found"), CATALOGUE_EN.get("error.not_found")]
        wait_for("the case page to say it was not found", lambda: any(t and t in browser.view_text(2000) for t in not_found_texts)
                 or browser.find("#page-case .not-found, #page-case [data-problem='not_found']"), timeout=20)
        if browser.find("#case-timeline li"):
            raise CheckFailed("the other district's supervisor sees the timeline")
        if run.case.get("grid") and run.case["grid"] in browser.view_text(5000):
            raise CheckFailed("the page shows the case's grid to another district")
        by_id = browser.fetch("GET", f"/api/supervision/cases/{case_id}")
        by_number = browser.fetch("GET", f"/api/supervision/cases/{number}")
        listed = browser.fetch("GET", f"/api/supervision/cases?q={number}")
        if by_id["status"] != 404 or by_number["status"] != 404:
            raise CheckFailed(f"the forwarded API answered {by_id['status']} (by id) and {by_number['status']} (by number), not 404")
        if listed["status"] != 200 or number in listed["text"]:
            raise CheckFailed(f"the list search answered {listed['status']} {listed['text'][:200]!r}")
        return "page: not found; API: 404 by id and number, absent from search"

    # The other half of the desk: a filed case routing cannot give to anyone, because every
    # department of its responsibility chain returned it (each return approved by a dispatcher);
    # the dispatcher chooses a department on the desk and sends it there.
    @run.check("setup: every department of the chain returns a case, so it waits on the manual desk")
    def _():
        status, body = service("intake", "POST", "/api/v1/reports", token=TOKENS["supervisor"], body={
            "channel": "supervisor", "reporterId": "sup-browser", "kind": "event", "classCode": "0102",
            "location": TARGET_POINT, "description": f"路口垃圾（浏览器测试 {uuid.uuid4().hex[:8]}）", "photos": [],
        })
        if status != 201:
            raise CheckFailed(f"intake answered {status}: {body}")
        case_id, number = body["caseId"].lower(), body["caseNumber"]
        run.returned = {"id": case_id, "number": number}
        returned = []
        for _ in range(8):
            state = wait_state(case_id, "in_handling", "manual_dispatch", timeout=60)
            if state == "manual_dispatch":
                break
            detail = case_detail(case_id)["case"]
            department, dispatch = detail["currentDepartment"], detail["currentDispatchId"].lower()
            token = DEPARTMENT_TOKENS.get(department)
            if not token:
                raise CheckFailed(f"no token for {department} to return the case with")
            wait_for(f"{department}'s task at disposal", lambda: service("disposal", "GET", f"/api/v1/tasks/{dispatch}", token=token)[0] == 200)
            answer = service("disposal", "POST", f"/api/v1/tasks/{dispatch}/return", token=token, body={"reason": "不属于本单位职责"})
            if answer[0] != 200:
                raise CheckFailed(f"{department} could not ask to return: {answer}")
            wait_for("the return request at supervision",
                     lambda: (case_detail(case_id)["case"].get("pendingRequest") or {}).get("kind") == "return")
            answer = service("supervision", "POST", f"/api/v1/cases/{case_id}/return-decision", token=TOKENS["dispatcher"], body={"approve": True})
            if answer[0] != 200:
                raise CheckFailed(f"approving {department}'s return answered {answer}")
            returned.append(department)
            wait_for("the next dispatch or the manual desk", lambda: case_state(case_id) == "manual_dispatch"
                     or (case_detail(case_id)["case"].get("currentDispatchId") or "").lower() not in ("", dispatch), timeout=60)
        else:
            raise CheckFailed(f"still dispatched automatically after returns by {returned}")
        item = wait_for("the case on the manual desk", lambda: in_manual_queue(case_id))
        run.returned["by"] = returned
        return f"case {number} returned by {', '.join(returned)} → {item.get('reason')}"

    all_returned = "setup: every department of the chain returns a case, so it waits on the manual desk"

    @run.check("a dispatcher hand-dispatches from the manual desk a case the whole chain returned, choosing the department", needs=[all_returned])
    def _():
        number, case_id = run.returned["number"], run.returned["id"]
        browser.sign_in("dispatcher")
        browser.page("dispatcher")
        row = browser.row(f'tr[data-case="{number}"]', "dispatcher")
        browser.select(row)
        browser.wait_css('button[data-action="dispatch"]', 20, visible=True, what="the responsibility chain on the desk")
        for code in run.returned["by"]:
            offered = [b for b in browser.find(f'button[data-action="dispatch"][data-department="{code}"]') if b.is_enabled()]
            if offered:
                raise CheckFailed(f"{code} returned the case but the desk still offers it")
        choices = [b for b in browser.find('button[data-action="dispatch"][data-department]') if b.is_displayed() and b.is_enabled()]
        if choices:
            button = choices[0]
        else:
            # The whole chain returned it: a department outside the chain, picked from the list.
            pickers = [p for p in browser.find("select") if p.is_displayed()
                       and browser.find(f'option[value="{HAND_CHOSEN_DEPARTMENT}"]', p)]
            if not pickers:
                raise CheckFailed("every chain department is excluded and the desk offers no other department to choose")
            browser.driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                                          pickers[0], HAND_CHOSEN_DEPARTMENT)
            button = browser.wait_css(f'button[data-action="dispatch"][data-department="{HAND_CHOSEN_DEPARTMENT}"]:not([disabled])', 10,
                                      visible=True, what=f"the dispatch button for {HAND_CHOSEN_DEPARTMENT}")
        department = button.get_attribute("data-department")
        browser.take(button, what=f"dispatch to {department}")
        wait_state(case_id, "in_handling", timeout=60)
        detail = case_detail(case_id)
        if detail["case"].get("currentDepartment") != department:
            raise CheckFailed(f"the case went to {detail['case'].get('currentDepartment')}, the dispatcher chose {department}")
        last = [e for e in detail["timeline"] if e.get("action") == "dispatch"][-1]
        if last.get("actorRole") != "dispatcher":
            raise CheckFailed(f"the last dispatch is recorded as {last.get('actorId')} ({last.get('actorRole')}), not the dispatcher")
        return f"{number} → {department} by {last.get('actorId')}"

    @run.check("a wrong password is throttled on the sign-in page")
    def _():
        invalid = CATALOGUE["signin.invalid"]
        throttled = re.compile(re.escape(CATALOGUE["signin.throttled"]).replace(re.escape("{seconds}"), r"\d+"))
        browser.sign_in("throttled", password="not-the-password")
        for attempt in range(FAILURES_PER_LOGIN):
            if attempt:
                browser.type_credentials(ACCOUNTS["throttled"]["login"], "still-not-the-password")
            message = wait_for(f"the message after wrong password {attempt + 1}",
                               lambda: (browser.find("#sign-in-message") or [None])[0] is not None
                               and browser.find("#sign-in-message")[0].text.strip(), timeout=15)
            if message != invalid:
                raise CheckFailed(f"after wrong password {attempt + 1} the page says {message!r}, expected {invalid!r}")
            browser.driver.execute_script("document.getElementById('sign-in-message').textContent = '';")
        # Now held: even the right password is refused, and the page says for how long.
        browser.type_credentials(ACCOUNTS["throttled"]["login"], ACCOUNTS["throttled"]["password"])
        message = wait_for("the throttled message", lambda: browser.find("#sign-in-message")[0].text.strip(), timeout=15)
        if not throttled.fullmatch(message):
            raise CheckFailed(f"after {FAILURES_PER_LOGIN} failures the page says {message!r}, expected {CATALOGUE['signin.throttled']!r}")
        answer = browser.fetch("POST", "/session", body={"login": ACCOUNTS["throttled"]["login"], "password": ACCOUNTS["throttled"]["password"]}, csrf=False)
        if answer["status"] != 429:
            raise CheckFailed(f"POST /session answered {answer['status']} while held")
        return message

    @run.check("a page asked for before sign-in opens after it, unless the post may not open it")
    def _():
        # The admin's session ends while #/admin is open; the next person at the screen is an acceptor.
        browser.sign_in("admin")
        browser.page("admin")
        browser.driver.delete_all_cookies()
        browser.driver.refresh()
        browser.sign_in_form()
        browser.type_credentials(ACCOUNTS["acceptor"]["login"], ACCOUNTS["acceptor"]["password"])
        browser.page("acceptor")
        # An acceptor's own deep link survives signing in again.
        browser.open("cases?channel=hotline_12345")
        browser.page("cases")
        browser.driver.delete_all_cookies()
        browser.driver.refresh()
        browser.sign_in_form()
        browser.type_credentials(ACCOUNTS["acceptor"]["login"], ACCOUNTS["acceptor"]["password"])
        browser.page("cases")
        if "channel=hotline_12345" not in browser.driver.current_url:
            raise CheckFailed(f"the list's filter was lost: {browser.driver.current_url}")
        return "acceptor after admin → #/acceptor; own deep link kept"

    @run.check("sign-out ends the session")
    def _():
        browser.sign_in("acceptor")
        browser.page("acceptor")
        cookie = next((c for c in browser.driver.get_cookies() if c["name"] == "cg_session"), None)
        if not cookie:
            raise CheckFailed("no cg_session cookie after sign-in")
        if browser.driver.execute_script("return document.cookie").find("cg_session") >= 0:
            raise CheckFailed("the session cookie is readable by page scripts (not HttpOnly)")
        browser.click(browser.wait_css("#sign-out", visible=True))
        browser.sign_in_form()
        after = browser.fetch("GET", "/api/supervision/cases")
        if after["status"] != 401:
            raise CheckFailed(f"after sign-out the API answered {after['status']}")
        # The old cookie is worth nothing: the session ended on the server, not only in this browser.
        browser.driver.add_cookie({"name": "cg_session", "value": cookie["value"], "path": "/"})
        replay = browser.fetch("GET", "/api/supervision/cases")
        if replay["status"] != 401:
            raise CheckFailed(f"the old session cookie still opens the API ({replay['status']})")
        browser.driver.delete_all_cookies()
        return "page back at sign-in; API 401, also with the old cookie"

    @run.check("the shift leader keeps the grid roster: adds a row from today and ends it, both in the change log")
    def _():
        browser.sign_in("shift_leader")
        browser.open("roster")
        browser.page("roster")
        browser.wait_css("#page-roster table.grid tbody tr", 20, what="the roster's rows")
        supervisor = "sup-browser-" + uuid.uuid4().hex[:6]
        browser.take(browser.wait_css("#roster-add", visible=True),
                     values={"supervisorId": supervisor, "supervisorName": "浏览器测试", "areaCode": "150102001",
                             "reason": "临时顶岗"}, what="adding a roster row")
        def added():
            rows = [r for r in browser.find("#page-roster table.grid tbody tr") if supervisor in r.text]
            return rows[0] if rows else None
        row = wait_for("the new row on the page", added, 20)
        browser.screenshot("roster-row-added")
        end = browser.find("button[data-row]", row)
        if not end:
            raise CheckFailed("the new row has no end button")
        browser.take(end[0], values={"reason": "顶岗结束"}, what="ending the roster row")
        changes = browser.fetch("GET", "/api/supervision/roster/changes", csrf=False)
        if changes["status"] != 200:
            raise CheckFailed(f"the change log answered {changes['status']}: {changes['text']!r}")
        log = browser.driver.execute_async_script("""
            const done = arguments[0];
            fetch("/api/supervision/roster/changes", { headers: { Accept: "application/json" } })
              .then((r) => r.json()).then((body) => done(body.changes), (e) => done(String(e)));
        """)
        mine = [c for c in log if (c.get("assignment") or {}).get("supervisorId") == supervisor
                or c.get("assignmentId") in {x.get("assignmentId") for x in log if (x.get("assignment") or {}).get("supervisorId") == supervisor}]
        kinds = sorted(c["kind"] for c in mine)
        if kinds != ["add", "end"]:
            raise CheckFailed(f"the change log holds {kinds} for {supervisor}: {mine!r}")
        for tab in ("queue", "workload"):
            browser.click(browser.wait_css(f"#roster-tab-{tab}", visible=True))
            browser.wait_css(f"#roster-panel-{tab} table.grid", 20, visible=True, what=f"the {tab} tab's table")
        browser.screenshot("roster-workload")
        return f"{supervisor}: added and ended, change log add + end; queue and workload tabs shown"

    @run.check("a state change without the CSRF token is refused", needs=[setup])
    def _():
        case_id = run.case["id"]
        before = case_detail(case_id)["case"]["version"]
        browser.sign_in("shift_leader")
        browser.page("shift-leader")
        path = f"/api/supervision/cases/{case_id}/void"
        body = {"reason": "CSRF test: must never be applied"}
        missing = browser.fetch("POST", path, body=body, csrf=False)
        wrong = browser.fetch("POST", path, body=body, csrf=True, csrf_value="forged-token")
        for label, answer in (("without the token", missing), ("with a forged token", wrong)):
            if answer["status"] != 403 or answer["code"] != "csrf_failed":
                raise CheckFailed(f"a POST {label} answered {answer['status']} {answer['code']}: {answer['text']!r}")
        if case_detail(case_id)["case"]["version"] != before:
            raise CheckFailed("the case changed although the request was refused")
        return "403 csrf_failed without and with a forged token; the case unchanged"


if __name__ == "__main__":
    sys.exit(main())
