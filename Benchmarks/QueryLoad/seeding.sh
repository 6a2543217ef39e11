# The one-million-case scratch database, shared by scripts/query-load and scripts/workbench-load
# (sourced, not run). Both benchmarks seed and reuse the same database citygrid_load and vhost
# citygrid-load through these functions, so there is one seeding and one reuse rule.
#
# The caller sets REPO and LOAD_NAME (the prefix of its messages) and calls, in order:
#   load_environment       infrastructure up; ADMIN_URL, load_db_url/load_amqp_url, sql(), CASES, TIMELINE_DAYS
#   load_prepare           QUERY_LOAD_REUSE=1 and citygrid_load holds exactly CASES cases: LOAD_SEEDED=1;
#                          otherwise `scripts/infra scratch load` (empty database and vhost, LOAD_SEEDED=0)
#   (start the release `supervision` binary on it: its migrations make the schema)
#   load_sink_queue        a bounded queue for events no started service listens to
#   load_seed_cases        LOAD_SEEDED=0: seed.sql (QUERY_LOAD_CASES cases, default 1 000 000, timeline rows
#                          for the last QUERY_LOAD_TIMELINE_DAYS days, default 60); then print the sizes
#
# Helpers: load_wait_ready NAME PORT PID LOG (waits up to 600 s: pending migrations build indexes over
# a million rows before a service answers), load_stop PID.

load_say() { echo "$LOAD_NAME: $*"; }

load_environment() {
  STATE=${CITYGRID_STATE_DIR:-$REPO/.state}
  CASES=${QUERY_LOAD_CASES:-1000000}
  TIMELINE_DAYS=${QUERY_LOAD_TIMELINE_DAYS:-60}
  "$REPO/scripts/infra" up
  OUT="$REPO/.state"   # this checkout's results, also when the infrastructure lives elsewhere (CITYGRID_STATE_DIR)
  mkdir -p "$OUT"
  . "$STATE/env/test.env"
  PSQL=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
  ADMIN_URL="${CITYGRID_TEST_PG_ADMIN_URL%/*}/citygrid_load"
}

# The test role's URL of one service (SUPERVISION, ROUTING, DISPOSAL, ASSESSMENT, CONSOLE) on citygrid_load.
load_db_url() { local v="CITYGRID_TEST_DB_URL_$1"; echo "${!v%/*}/citygrid_load"; }
load_amqp_url() { local v="CITYGRID_TEST_AMQP_URL_$1"; echo "${!v%/*}/citygrid-load"; }

sql() { "$PSQL" "$ADMIN_URL" -X -v ON_ERROR_STOP=1 "$@"; }

load_prepare() {
  LOAD_SEEDED=0
  if [ "${QUERY_LOAD_REUSE:-0}" = 1 ] && [ "$(sql -Atc "SELECT count(*) FROM supervision.cases" 2>/dev/null || echo 0)" = "$CASES" ]; then
    LOAD_SEEDED=1
    load_say "reusing citygrid_load with $CASES cases"
  else
    "$REPO/scripts/infra" scratch load
  fi
}

# Events that no started service consumes would have no queue and sit in the outboxes as
# unroutable (the deadline watcher keeps marking seeded clocks): give them a bounded sink queue.
load_sink_queue() {
  local mgmt=(curl -fsS -u "$CITYGRID_TEST_AMQP_ADMIN_USER:$CITYGRID_TEST_AMQP_ADMIN_PASSWORD" -H 'content-type: application/json')
  "${mgmt[@]}" -X PUT "$CITYGRID_TEST_AMQP_MGMT_URL/api/queues/citygrid-load/query-load.sink" -d '{"durable":false,"arguments":{"x-max-length":1000}}' >/dev/null &&
    "${mgmt[@]}" -X POST "$CITYGRID_TEST_AMQP_MGMT_URL/api/bindings/citygrid-load/e/citygrid.events/q/query-load.sink" -d '{"routing_key":"#"}' >/dev/null ||
    load_say "warning: could not bind a sink queue on vhost citygrid-load (events will stay in the outbox)"
}

load_seed_cases() {
  if [ "$LOAD_SEEDED" = 0 ]; then
    load_say "seeding $CASES cases (timeline for the last $TIMELINE_DAYS days)"
    local t0; t0=$(date +%s)
    sed "s|@REFDIR@|$REPO/Shared/reference-data|g" "$REPO/Benchmarks/QueryLoad/seed.sql" |
      sql -q -v cases="$CASES" -v timeline_days="$TIMELINE_DAYS" -f - >/dev/null
    load_say "seeded in $(( $(date +%s) - t0 )) s"
  fi
  sql -Atc "SELECT 'cases: ' || count(*) || ', open: ' || count(*) FILTER (WHERE state NOT IN ('closed','voided','not_accepted','not_filed'))
                   || ', overdue: ' || count(*) FILTER (WHERE clock_overdue_at IS NOT NULL) FROM supervision.cases" | sed "s/^/$LOAD_NAME: /"
  sql -Atc "SELECT 'timeline rows: ' || count(*) || '; table sizes: cases ' || pg_size_pretty(pg_total_relation_size('supervision.cases'))
                   || ', timeline ' || pg_size_pretty(pg_total_relation_size('supervision.timeline')) FROM supervision.timeline" | sed "s/^/$LOAD_NAME: /"
}

load_wait_ready() {   # NAME PORT PID LOG
  local name=$1 port=$2 pid=$3 log=$4
  for _ in $(seq 1 3000); do
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { tail -20 "$log" >&2; echo "$LOAD_NAME: $name exited" >&2; exit 1; }
    sleep 0.2
  done
  echo "$LOAD_NAME: $name not ready after 600 s" >&2; exit 1
}

load_stop() {   # PID: TERM, then KILL after 10 s
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}
