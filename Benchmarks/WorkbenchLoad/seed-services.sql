-- Workbench-load seed additions: what the department inbox and the dispatcher's manual desk read,
-- derived from the seeded supervision.cases (Benchmarks/QueryLoad/seed.sql), so the other services
-- agree with supervision about the same cases. Run by scripts/workbench-load as the admin role on
-- citygrid_load after disposal's and grid-routing's migrations made their schemas, only while
-- disposal.tasks is empty. The script replaces @REFDIR@ with Shared/reference-data.
--
--   disposal.tasks       one task per dispatched case (the dispatch supervision records as current):
--                        in_handling → dispatched (3 in 10) or accepted, suspended → suspended,
--                        awaiting_check / awaiting_close → completed, closed → closed;
--                        no task events (the inbox does not read them; a task's detail shows an empty log)
--   routing.cases,       the cases supervision holds in manual_dispatch, queued for the desk
--   routing.manual_queue   (reason no_responsible_department), with their projection
--
-- Not seeded: assessment (no case facts or events: rankings and KPIs answer over an empty month),
-- routing.cases for the other cases, routing.dispatches, intake.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET synchronous_commit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
SET TIME ZONE 'UTC';

DROP TABLE IF EXISTS pg_temp.departments_csv;
CREATE TEMP TABLE departments_csv (code text, name text, kind text, district_code text, responsibilities text, source text);
\copy departments_csv FROM '@REFDIR@/departments.csv' CSV HEADER

INSERT INTO disposal.tasks (dispatch_id, case_id, case_number, department_code, department_name, via, state, deadline,
    handling_limit, kind, class_code, class_name, condition_id, grid_code, description, address, longitude, latitude, photos,
    dispatched_at, accepted_at, completed_at, ended_at, warning_at, overdue_at, updated_at)
SELECT c.current_dispatch_id, c.id, c.number, c.current_department, coalesce(d.name, c.current_department), 'rule', t.state,
       c.handling_deadline,
       round(extract(epoch FROM c.handling_deadline - (c.record->>'dispatchedAt')::timestamptz) / 3600) || ' natural_hours',
       c.kind, c.class_code, '', coalesce(c.condition_id, ''), c.grid_code, c.description, c.address, c.longitude, c.latitude,
       ARRAY(SELECT p->>'url' FROM jsonb_array_elements(c.photos) p),
       (c.record->>'dispatchedAt')::timestamptz,
       CASE WHEN t.state <> 'dispatched' THEN (c.record->>'dispatchedAt')::timestamptz + interval '10 minutes' END,
       CASE WHEN t.state IN ('completed', 'closed') THEN (c.record->>'completedAt')::timestamptz END,
       CASE WHEN t.state = 'closed' THEN (c.record->>'closedAt')::timestamptz END,
       CASE WHEN c.clock_stage = 'handle' THEN c.clock_warned_at END,
       CASE WHEN c.clock_stage = 'handle' THEN c.clock_overdue_at END,
       c.updated_at
FROM supervision.cases c
CROSS JOIN LATERAL (SELECT CASE c.state
        WHEN 'in_handling' THEN CASE WHEN get_byte(decode(md5(c.id::text), 'hex'), 0) % 10 < 3 THEN 'dispatched' ELSE 'accepted' END
        WHEN 'suspended' THEN 'suspended'
        WHEN 'awaiting_check' THEN 'completed' WHEN 'awaiting_close' THEN 'completed'
        WHEN 'closed' THEN 'closed' END AS state) t
LEFT JOIN departments_csv d ON d.code = c.current_department
WHERE c.current_dispatch_id IS NOT NULL AND c.handling_deadline IS NOT NULL AND t.state IS NOT NULL
ORDER BY (c.record->>'dispatchedAt')::timestamptz;

INSERT INTO routing.cases (case_id, case_number, kind, class_code, description, address, photos, reported_at, grid_code,
    community_code, street_code, district_code, area_class, lon, lat, method, located_at)
SELECT id, number, kind, class_code, description, address, photos, reported_at, grid_code, community_code, street_code,
       district_code, area_class, longitude, latitude, 'point', reported_at
FROM supervision.cases WHERE state = 'manual_dispatch'
ON CONFLICT (case_id) DO NOTHING;

INSERT INTO routing.manual_queue (case_id, case_number, reason, detail, opened_at)
SELECT id, number, 'no_responsible_department', 'no rule or candidate department for class ' || class_code,
       coalesce(clock_started_at, updated_at)
FROM supervision.cases WHERE state = 'manual_dispatch'
ON CONFLICT (case_id) DO NOTHING;

ANALYZE disposal.tasks;
ANALYZE routing.cases;
ANALYZE routing.manual_queue;
