"""Validates encoded CityGrid messages against docs/asyncapi.yaml.

argv: <asyncapi.yaml> <folder of *.json envelopes>. Each envelope is validated against the payload
schema of the AsyncAPI message whose name equals the envelope's `type`, and so is every message's
documented example. Exit 1 on any mismatch."""
import glob, json, sys, yaml
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

doc = yaml.safe_load(open(sys.argv[1]))
registry = Registry().with_resource("urn:asyncapi", Resource.from_contents(doc, default_specification=DRAFT7))
by_type = {}
for mid, m in doc["components"]["messages"].items():
    by_type.setdefault(m["name"], mid)
failures, checked = 0, 0
for path in sorted(glob.glob(sys.argv[2] + "/*.json")):
    msg = json.load(open(path))
    mid = by_type.get(msg.get("type"))
    if mid is None:
        print(f"{path}: type {msg.get('type')} is not in the catalogue"); failures += 1; continue
    schema = {"$ref": f"urn:asyncapi#/components/messages/{mid}/payload"}
    errors = list(Draft7Validator(schema, registry=registry, format_checker=FormatChecker()).iter_errors(msg))
    for e in errors:
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
    failures += bool(errors); checked += 1
print(f"{checked} message(s) checked, {failures} failing")
# The documents' own examples must be valid messages too: outsiders copy them.
example_failures, examples = 0, 0
for mid, m in doc["components"]["messages"].items():
    for example in m.get("examples", []):
        schema = {"$ref": f"urn:asyncapi#/components/messages/{mid}/payload"}
        errors = list(Draft7Validator(schema, registry=registry, format_checker=FormatChecker()).iter_errors(example["payload"]))
        for e in errors:
            print(f"example {mid}/{example.get('name')}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        example_failures += bool(errors); examples += 1
print(f"{examples} example(s) checked, {example_failures} failing")
sys.exit(1 if failures or example_failures or checked == 0 else 0)
