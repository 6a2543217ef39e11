-- Real keys from citygrid_load for the workbench-load driver (one JSON document on stdout): the
-- cases, tasks and desk items the pages open, and the busiest department (its inbox is the page
-- measured). Run by scripts/workbench-load as the admin role.
\set ON_ERROR_STOP on
\pset tuples_only on
\pset format unaligned
SELECT setseed(0.13);
WITH busiest AS (
    SELECT department_code AS code, count(*) AS open FROM disposal.tasks WHERE state IN ('dispatched', 'accepted')
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
)
SELECT json_build_object(
    'cases', (SELECT count(*) FROM supervision.cases),
    'tasks', (SELECT count(*) FROM disposal.tasks),
    'grids', (SELECT count(*) FROM routing.grids WHERE valid_to IS NULL),
    'manual_queue', (SELECT count(*) FROM routing.manual_queue WHERE resolved_at IS NULL),
    'assessment_facts', (SELECT count(*) FROM assessment.case_facts),
    -- What an acceptor opens: the newest cases of the acceptance queue.
    'accept', (SELECT coalesce(json_agg(json_build_array(number, longitude, latitude)), '[]') FROM (
                  SELECT number, longitude, latitude FROM supervision.cases
                  WHERE state IN ('reported', 'awaiting_accept', 'awaiting_verify') AND longitude IS NOT NULL
                  ORDER BY reported_at DESC LIMIT 200) t),
    -- What the case page opens: recent cases (they have a timeline), with point and grid.
    'recent', (SELECT coalesce(json_agg(json_build_array(number, longitude, latitude, grid_code)), '[]') FROM (
                  SELECT c.number, c.longitude, c.latitude, c.grid_code FROM supervision.cases c
                  WHERE c.id IN (SELECT DISTINCT case_id FROM supervision.timeline ORDER BY 1 LIMIT 20000)
                    AND c.longitude IS NOT NULL AND random() < 0.1) t),
    -- The dispatcher's desk.
    'manual', (SELECT coalesce(json_agg(json_build_array(q.case_id, q.case_number, c.lon, c.lat)), '[]') FROM (
                  SELECT * FROM routing.manual_queue WHERE resolved_at IS NULL ORDER BY opened_at LIMIT 200) q
               LEFT JOIN routing.cases c USING (case_id)),
    'department', (SELECT code FROM busiest),
    'department_open', (SELECT open FROM busiest),
    'department_tasks', (SELECT coalesce(json_agg(json_build_array(dispatch_id, grid_code)), '[]') FROM (
                  SELECT dispatch_id, grid_code FROM disposal.tasks
                  WHERE department_code = (SELECT code FROM busiest) AND state IN ('dispatched', 'accepted')
                  ORDER BY dispatched_at DESC LIMIT 200) t),
    -- Filters people set on the case list.
    'districts', (SELECT json_agg(DISTINCT district_code) FROM supervision.cases WHERE district_code IS NOT NULL),
    'departments', (SELECT json_agg(DISTINCT current_department) FROM supervision.cases WHERE current_department IS NOT NULL),
    'numbers', (SELECT json_agg(number) FROM (SELECT number FROM supervision.cases TABLESAMPLE SYSTEM (1) LIMIT 500) t),
    'now_epoch', extract(epoch FROM now())
);
