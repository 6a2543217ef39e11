-- EXPLAIN ANALYZE of the query shapes the workbench's pages add to query-load's (same SQL as the
-- services send, sample values), for `WORKBENCH_LOAD_EXPLAIN=1 scripts/workbench-load`.
\set ON_ERROR_STOP on
\pset pager off
SELECT longitude AS lon, latitude AS lat FROM supervision.cases WHERE state = 'awaiting_accept' ORDER BY reported_at DESC LIMIT 1 \gset
SELECT department_code AS dep FROM disposal.tasks WHERE state IN ('dispatched', 'accepted') GROUP BY 1 ORDER BY count(*) DESC LIMIT 1 \gset
SELECT reported_at::text AS cur_at, id AS cur_id FROM supervision.cases WHERE state = 'in_handling'
  ORDER BY reported_at DESC, id DESC OFFSET 1799 LIMIT 1 \gset

\echo '== acceptor: state = ANY(reported, awaiting_accept, awaiting_verify), 200 a page'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE state = ANY('{reported,awaiting_accept,awaiting_verify}'::text[]) ORDER BY reported_at DESC, id DESC LIMIT 201;
\echo '== dispatcher / shift leader: the 10th page of the in-handling scan (cursor after 1,800 cases)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE state = 'in_handling' AND (reported_at, id) < (:'cur_at'::timestamptz, :'cur_id'::uuid) ORDER BY reported_at DESC, id DESC LIMIT 201;
\echo '== dashboard: open and overdue, 100'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE state = ANY('{reported,awaiting_accept,awaiting_verify,awaiting_file,awaiting_dispatch,manual_dispatch,in_handling,suspended,awaiting_check,awaiting_close,self_handled_pending}'::text[])
    AND (clock_overdue_at IS NOT NULL OR clock_deadline < now()) ORDER BY reported_at DESC, id DESC LIMIT 101;
\echo '== case page: cases within 300 m, nearest first, at most 500'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count,
    gis.ST_Distance(location, gis.ST_SetSRID(gis.ST_MakePoint(:lon, :lat), 4326)::gis.geography, false) AS distance
  FROM supervision.cases WHERE TRUE AND gis.ST_DWithin(location, gis.ST_SetSRID(gis.ST_MakePoint(:lon, :lat), 4326)::gis.geography, 300::float8, false)
  ORDER BY distance LIMIT 500;
\echo '== dashboard (helper-dash branch): counts by grid of the open cases'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT grid_code AS key, count(*) AS n FROM supervision.cases
  WHERE state = ANY('{reported,awaiting_accept,awaiting_verify,awaiting_file,awaiting_dispatch,manual_dispatch,in_handling,suspended,awaiting_check,awaiting_close,self_handled_pending}'::text[])
  GROUP BY grid_code ORDER BY 1;
\echo '== department inbox: total and a page of 200 (page 5) of the busiest department'
PREPARE inbox_total(text, text) AS SELECT count(*) AS n FROM disposal.tasks WHERE department_code = $1 AND ($2::text IS NULL OR state = $2);
PREPARE inbox_page(text, text, int, int) AS SELECT * FROM disposal.tasks WHERE department_code = $1 AND ($2::text IS NULL OR state = $2)
  ORDER BY dispatched_at DESC, dispatch_id LIMIT $3 OFFSET $4;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE inbox_total(:'dep', 'accepted');
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE inbox_page(:'dep', 'accepted', 200, 800);
