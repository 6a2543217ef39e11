#!/bin/bash
# Runs once when the PostgreSQL container initialises its data directory: one schema and one
# login role per service, nothing in public, PostGIS in schema gis for routing and supervision.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
REVOKE ALL ON DATABASE "$POSTGRES_DB" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA IF NOT EXISTS gis;
CREATE EXTENSION IF NOT EXISTS postgis SCHEMA gis;
SQL
for svc in intake routing disposal supervision assessment; do
  var="PG_PASSWORD_${svc^^}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE cg_$svc LOGIN PASSWORD '${!var}';
GRANT CONNECT ON DATABASE "$POSTGRES_DB" TO cg_$svc;
CREATE SCHEMA $svc AUTHORIZATION cg_$svc;
ALTER ROLE cg_$svc SET search_path = $svc, gis;
SQL
done
# The console: accounts, sessions and audits in its own schema; no PostGIS, no broker.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE cg_console LOGIN PASSWORD '${PG_PASSWORD_CONSOLE}';
GRANT CONNECT ON DATABASE "$POSTGRES_DB" TO cg_console;
CREATE SCHEMA console AUTHORIZATION cg_console;
ALTER ROLE cg_console SET search_path = console;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "GRANT USAGE ON SCHEMA gis TO cg_routing, cg_supervision"
