"""Structural check of compose/docker-compose.yml (no container engine runs on CI machines).

Each of the five services must run its own executable with its own database role and broker
user, reach the database and broker only through its environment, and have a health check; the
broker definitions must give each user only its own queues and routing keys."""
import json, sys, yaml

root = sys.argv[1]
doc = yaml.safe_load(open(f"{root}/compose/docker-compose.yml"))
services = doc["services"]
expected = {"intake": ("cg_intake", "intake"), "grid-routing": ("cg_routing", "routing"), "disposal": ("cg_disposal", "disposal"),
            "supervision": ("cg_supervision", "supervision"), "assessment": ("cg_assessment", "assessment")}
errors = []
for name in ["postgres", "rabbitmq", *expected]:
    if name not in services:
        errors.append(f"service {name} missing")
    elif "healthcheck" not in services[name]:
        errors.append(f"service {name} has no healthcheck")
seen_roles, seen_users = set(), set()
for name, (role, user) in expected.items():
    svc = services.get(name, {})
    env = svc.get("environment", {})
    if svc.get("command") != [name]:
        errors.append(f"{name}: command should be [{name}], is {svc.get('command')}")
    db, amqp = env.get("CITYGRID_DB_URL", ""), env.get("CITYGRID_AMQP_URL", "")
    if not db.startswith(f"postgresql://{role}:"):
        errors.append(f"{name}: CITYGRID_DB_URL must log in as {role}")
    if not amqp.startswith(f"amqp://{user}:"):
        errors.append(f"{name}: CITYGRID_AMQP_URL must log in as {user}")
    seen_roles.add(db.split("//")[1].split(":")[0]); seen_users.add(amqp.split("//")[1].split(":")[0])
    deps = svc.get("depends_on", {})
    for dep in ("postgres", "rabbitmq"):
        if deps.get(dep, {}).get("condition") != "service_healthy":
            errors.append(f"{name}: must wait for {dep} to be healthy")
# The console: its own role, no broker at all, the forwarding targets by service name.
console = services.get("console", {})
if not console:
    errors.append("service console missing")
else:
    env = console.get("environment", {})
    if console.get("command") != ["console"]:
        errors.append("console: command should be [console]")
    if not env.get("CITYGRID_DB_URL", "").startswith("postgresql://cg_console:"):
        errors.append("console: CITYGRID_DB_URL must log in as cg_console")
    if "CITYGRID_AMQP_URL" in env:
        errors.append("console: uses no broker, so it must have no CITYGRID_AMQP_URL")
    if "healthcheck" not in console:
        errors.append("console has no healthcheck")
    if console.get("depends_on", {}).get("postgres", {}).get("condition") != "service_healthy":
        errors.append("console: must wait for postgres to be healthy")
    for svc, port in [("INTAKE", 8081), ("GRID_ROUTING", 8082), ("DISPOSAL", 8083), ("SUPERVISION", 8084), ("ASSESSMENT", 8085)]:
        if not env.get(f"CITYGRID_CONSOLE_UPSTREAM_{svc}", "").endswith(f":{port}"):
            errors.append(f"console: CITYGRID_CONSOLE_UPSTREAM_{svc} must name the service's port {port}")
dockerfile = open(f"{root}/compose/Dockerfile").read()
for frag in ["--product console", "libjs-leaflet", "libjs-chart.js", "Services/console/Public"]:
    if frag not in dockerfile:
        errors.append(f"Dockerfile lacks: {frag}")
if len(seen_roles) != 5 or len(seen_users) != 5:
    errors.append("services must not share database roles or broker users")
defs = json.load(open(f"{root}/compose/rabbitmq/definitions.json"))
for _, (_, user) in expected.items():
    perms = [p for p in defs["permissions"] if p["user"] == user]
    topics = [p for p in defs["topic_permissions"] if p["user"] == user]
    if len(perms) != 1 or perms[0]["configure"] != f"^{user}\\..*":
        errors.append(f"broker user {user}: configure permission must be its own queues only")
    if len(topics) != 1 or topics[0]["write"] != f"^{user}\\.":
        errors.append(f"broker user {user}: may publish only its own routing keys")
init = open(f"{root}/compose/postgres/01-citygrid.sh").read()
for frag in ["REVOKE ALL ON SCHEMA public FROM PUBLIC", "CREATE SCHEMA $svc AUTHORIZATION cg_$svc", "postgis SCHEMA gis",
             "CREATE SCHEMA console AUTHORIZATION cg_console"]:
    if frag not in init:
        errors.append(f"postgres init lacks: {frag}")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
