#!/usr/bin/env python3
"""Runs Schemathesis against one running CityGrid service and prints one summary line.

    contract_fuzz.py PLAN.json

PLAN.json (written by ContractFuzzTests, which starts the service and seeds its data):

    {"service": "disposal", "document": "docs/openapi-disposal.yaml", "url": "http://127.0.0.1:PORT",
     "seed": 20261203, "maxExamples": 20, "workDir": "/tmp/...",
     "headers": {"Authorization": "Bearer ..."},           # every request
     "operations": [                                        # per operation, optional
        {"method": "GET", "path": "/api/v1/tasks/{dispatchId}",
         "headers": {"Authorization": "Bearer ..."},       # another caller for this operation
         "parameters": {"dispatchId": "..."},              # seeded values, so it reaches its 200
         "refusedByRule": "why", "refusedWith": ["422"]}]} # see below

Optional too: "label" (the name in the summary line, default the service), "apiKeys" ({"scheme":
"value"}: the value of an apiKey security scheme, such as the console's session cookie, so that
Schemathesis knows it as the credential and can also leave it out), and "includeNames" /
"excludeNames" (operations by name, "DELETE /session": a run that must not sign itself out).

`refusedByRule` names a rule between fields, against the reference data or the stored state, or on
an upload's content, that OpenAPI 3.0 cannot state (the document states it in words): such an
operation may answer `refusedWith` (default 422) to a request its schema allows without failing
`positive_data_acceptance`. Every other check still holds for it.

Every check Schemathesis has runs (`--checks all`), every phase, a fixed seed, a bounded number of
examples per operation. Strings never hold NUL: every CityGrid service refuses U+0000 in any text
(422, documented in each document's description), which a schema cannot say.

The last line printed is `SERVICE: N operations, M test cases, K failures`; exit 0 only with
0 failures and no errors. With failures, the failures section of Schemathesis' report is printed
before it.
"""
import json
import os
import re
import subprocess
import sys


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)   # a TOML basic string is JSON's string syntax
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def config(plan):
    lines = [
        f"seed = {int(plan['seed'])}",
        # Generation health, not the contract: dates bounded to 1900–2200 by a pattern filter many drawn values.
        'suppress-health-check = ["filter_too_much", "too_slow"]',
        f"headers = {toml_value(plan.get('headers', {}))}",
        "",
        "[generation]",
        f"max-examples = {int(plan['maxExamples'])}",
        "allow-x00 = false",
        "",
    ]
    for scheme, value in plan.get("apiKeys", {}).items():
        lines.append(f"[auth.openapi.{scheme}]")
        lines.append(f"api_key = {toml_value(value)}")
        lines.append("")
    for op in plan.get("operations", []):
        lines.append("[[operations]]")
        lines.append(f"include-path = {toml_value(op['path'])}")
        if op.get("method"):
            lines.append(f"include-method = {toml_value(op['method'])}")
        if op.get("headers"):
            lines.append(f"headers = {toml_value({**plan.get('headers', {}), **op['headers']})}")
        if op.get("parameters"):
            lines.append(f"parameters = {toml_value(op['parameters'])}")
        if op.get("refusedByRule"):
            accepted = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"] + op.get("refusedWith", ["422"])
            lines.append(f"checks = {{ positive_data_acceptance = {{ expected-statuses = {toml_value(accepted)} }} }}")
        lines.append("")
    return "\n".join(lines)


def summary(text):
    """(operations, test cases, failures) from Schemathesis' closing summary."""
    tested = re.search(r"Tested:\s+(\d+)", text)
    cases = re.search(r"Test cases:\s*\n\s*(\d+) generated(?:, (\d+) found (\d+) unique failures?)?", text)
    errors = re.search(r"(\d+) errors?\b", text.split("= SUMMARY =")[-1]) if "= SUMMARY =" in text else None
    return (int(tested.group(1)) if tested else 0,
            int(cases.group(1)) if cases else 0,
            int(cases.group(3)) if cases and cases.group(3) else 0,
            int(errors.group(1)) if errors else 0)


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    plan = json.load(open(argv[0], encoding="utf-8"))
    work = plan["workDir"]
    os.makedirs(work, exist_ok=True)
    label = plan.get("label", plan["service"])
    stem = label.replace(" ", "-").replace("(", "").replace(")", "")
    config_path = os.path.join(work, f"{stem}.toml")
    with open(config_path, "w", encoding="utf-8") as f:
        f.write(config(plan))
    command = ["schemathesis", "--config-file", config_path, "run", plan["document"], "--url", plan["url"],
               "--checks", "all", "--continue-on-failure", "--no-color", "--output-truncate", "false",
               "--workers", str(plan.get("workers", 1)),
               "--report", "junit", "--report-dir", os.path.join(work, stem + "-report")]
    for name in plan.get("includeNames", []):
        command += ["--include-name", name]
    for name in plan.get("excludeNames", []):
        command += ["--exclude-name", name]
    if plan.get("maxTime"):
        command += ["--max-time", str(plan["maxTime"])]
    env = dict(os.environ, PYTHONIOENCODING="utf-8", SCHEMATHESIS_HOOKS="")
    run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=work)
    text = run.stdout + run.stderr
    with open(os.path.join(work, f"{stem}.out"), "w", encoding="utf-8") as f:
        f.write(text)
    operations, cases, failures, errors = summary(text)
    if run.returncode != 0 or failures or errors:
        sections = text.split("= FAILURES =", 1)
        details = sections[1].split("= SUMMARY =")[0] if len(sections) == 2 else text[-4000:]
        print(details.rstrip())
    print(f"{label}: {operations} operations, {cases} test cases, {failures} failures"
          + (f", {errors} errors" if errors else "") + ("" if run.returncode == 0 else f" (schemathesis exit {run.returncode})"))
    return 0 if run.returncode == 0 and failures == 0 and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
