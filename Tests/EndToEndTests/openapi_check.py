"""Checks CityGrid's OpenAPI documents (used by OpenAPIDocumentTests).

  openapi_check.py validate DOC...
      Each DOC must be YAML with `openapi: 3.x`, `info` and `paths`, no null values (a comma in an
      unquoted flow-style description silently makes one), and every `$ref` must resolve. With
      openapi-spec-validator installed the document is also validated against the OpenAPI 3.0
      schema (the output says which checks ran).

  openapi_check.py routes DOC ROUTES
      ROUTES holds one "METHOD /path" per line: what the service registered (its "http routes"
      log line). Every route but the platform's health and metrics routes must be documented, and
      every documented operation must be served. A router capture ({x}) stands for one whole
      segment and matches a document segment holding a template (`{id}`, `discovery.{format}`).

Exit 1 on any problem."""
import sys

import yaml

PLATFORM_ROUTES = {"/health/live", "/health/ready", "/metrics"}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def nulls(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if value is None:
                yield f"{path}/{key}"
            yield from nulls(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from nulls(value, f"{path}[{i}]")


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolves(doc, ref):
    if not ref.startswith("#/"):
        return False
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def validate(paths):
    try:
        from openapi_spec_validator import validate as spec_validate
    except ImportError:
        spec_validate = None
    failing = 0
    for path in paths:
        problems = []
        try:
            doc = yaml.safe_load(open(path, encoding="utf-8"))
        except yaml.YAMLError as error:
            print(f"{path}: not YAML: {error}")
            failing += 1
            continue
        if not isinstance(doc, dict):
            problems.append("not a mapping")
        else:
            if not str(doc.get("openapi", "")).startswith("3."):
                problems.append(f"openapi is {doc.get('openapi')!r}, not 3.x")
            for key in ("info", "paths"):
                if not isinstance(doc.get(key), dict) or not doc[key]:
                    problems.append(f"{key} missing or empty")
            problems += [f"null value at {p}" for p in nulls(doc)]
            problems += [f"unresolved $ref {r}" for r in sorted(set(refs(doc))) if not resolves(doc, r)]
            if spec_validate is not None and not problems:
                try:
                    spec_validate(doc)
                except Exception as error:  # the validator's own exception types vary by version
                    problems.append(f"OpenAPI schema: {str(error).splitlines()[0]}")
        for problem in problems:
            print(f"{path}: {problem}")
        failing += bool(problems)
    checks = "structure, $refs and the OpenAPI 3.0 schema" if spec_validate else "structure and $refs (openapi-spec-validator not installed)"
    print(f"{len(paths)} document(s) checked ({checks}), {failing} failing")
    return 1 if failing or not paths else 0


def segments(path):
    return [s for s in path.split("/") if s]


def served_by(route_path, doc_path):
    route, doc = segments(route_path), segments(doc_path)
    if len(route) != len(doc):
        return False
    for r, d in zip(route, doc):
        if r == "**" and d.startswith("{") and d.endswith("}"):
            continue  # a pass-through (the console's /api/{service}/**) documented as one path parameter
        if r.startswith("{") and r.endswith("}"):
            if "{" not in d:
                return False
        elif r != d:
            return False
    return True


def routes(doc_path, routes_path):
    doc = yaml.safe_load(open(doc_path, encoding="utf-8"))
    documented = [(method.upper(), path) for path, item in (doc.get("paths") or {}).items()
                  for method in item if method in METHODS]
    registered = []
    for line in open(routes_path, encoding="utf-8"):
        if line.strip():
            method, path = line.split(None, 1)
            registered.append((method.upper(), path.strip()))
    registered = [(m, p) for m, p in registered if p not in PLATFORM_ROUTES]
    problems = []
    for method, path in registered:
        if not any(m == method and served_by(path, p) for m, p in documented):
            problems.append(f"route {method} {path} is not in {doc_path}")
    for method, path in documented:
        if not any(m == method and served_by(p, path) for m, p in registered):
            problems.append(f"documented {method} {path} is not served")
    for problem in problems:
        print(problem)
    print(f"{len(registered)} route(s), {len(documented)} documented operation(s), {len(problems)} problem(s)")
    return 1 if problems or not registered else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "validate":
        return validate(argv[1:])
    if len(argv) == 3 and argv[0] == "routes":
        return routes(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
