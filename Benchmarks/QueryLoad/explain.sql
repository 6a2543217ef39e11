-- EXPLAIN ANALYZE of the query shapes QueryRoutes.swift sends (same SQL, sample values), for
-- `QUERY_LOAD_EXPLAIN=1 scripts/query-load`. Prepared statements with parameters, as the service
-- sends them (libpq unnamed statements get a custom plan for the bound values, like EXECUTE here).
\set ON_ERROR_STOP on
\pset pager off
SET search_path = supervision, public;
SELECT district_code AS d, street_code AS s, community_code AS c, grid_code AS g, current_department AS dep, number AS n
FROM supervision.cases WHERE state = 'in_handling' ORDER BY reported_at DESC LIMIT 1 \gset

\echo '== list, no filter'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE TRUE ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, status=awaiting_check,awaiting_close'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE state = ANY('{awaiting_check,awaiting_close}'::text[]) ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, status=suspended (one status is sent as equality)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE state = 'suspended' ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, community'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE community_code = :'c' ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, department'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE current_department = :'dep' ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, channel=police_110'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE channel = 'police_110' ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, class prefix (parameter, custom plan)'
PREPARE cls(text) AS SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE class_code LIKE $1 || '%' ORDER BY reported_at DESC, id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE cls('2102');
\echo '== list, overdue=true'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE (clock_overdue_at IS NOT NULL OR clock_deadline < now()) ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, district + cursor (page 2)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE district_code = :'d' AND (reported_at, id) < (now() - interval '2 days', 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
  ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, q = a case number: 1. the newest 4000 cases in order'
SELECT '%' || :'n' || '%' AS like_n \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM (
  SELECT * FROM supervision.cases WHERE TRUE ORDER BY reported_at DESC, id DESC LIMIT 4000) w
  WHERE (number ILIKE :'like_n' OR description ILIKE :'like_n' OR coalesce(address, '') ILIKE :'like_n') ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, q = a case number: 2. older matches from the n-gram index'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id, count(*) OVER () AS candidates FROM (
  SELECT * FROM supervision.cases
  WHERE TRUE AND (number ILIKE :'like_n' OR description ILIKE :'like_n' OR coalesce(address, '') ILIKE :'like_n')
    AND (reported_at, id) < (SELECT reported_at, id FROM (SELECT reported_at, id FROM supervision.cases WHERE TRUE
                             ORDER BY reported_at DESC, id DESC LIMIT 4000) w ORDER BY reported_at, id LIMIT 1)
    AND id IN (SELECT case_id FROM supervision.case_search WHERE grams @> supervision.query_grams(:'n'))
  LIMIT 2000) c ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, q = a common word (垃圾): 1. the newest 4000 cases in order (found there)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM (
  SELECT * FROM supervision.cases WHERE TRUE ORDER BY reported_at DESC, id DESC LIMIT 4000) w
  WHERE (number ILIKE '%垃圾%' OR description ILIKE '%垃圾%' OR coalesce(address, '') ILIKE '%垃圾%') ORDER BY reported_at DESC, id DESC LIMIT 51;
\echo '== list, q = a moderately common word (雨后): 2. its gram counted (two or three characters, no other filter)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) AS n FROM (SELECT 1 FROM supervision.case_search
  WHERE grams @> supervision.query_grams('雨后') LIMIT 2019) g;
\echo '== list, q = a moderately common word (雨后): 3. more than 2000 older matches: read on in order'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT facts, record, duplicate_count, reported_at::text AS cursor_at, id FROM supervision.cases
  WHERE TRUE AND (number ILIKE '%雨后%' OR description ILIKE '%雨后%' OR coalesce(address, '') ILIKE '%雨后%')
    AND (reported_at, id) < (SELECT reported_at, id FROM (SELECT reported_at, id FROM supervision.cases WHERE TRUE
                             ORDER BY reported_at DESC, id DESC LIMIT 4000) w ORDER BY reported_at, id LIMIT 1)
  ORDER BY reported_at DESC, id DESC LIMIT 32;
\echo '== counts by status'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT state AS key, count(*) AS n FROM supervision.cases WHERE TRUE GROUP BY state ORDER BY 1;
\echo '== counts by status, district scope'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT state AS key, count(*) AS n FROM supervision.cases WHERE district_code = :'d' GROUP BY state ORDER BY 1;
\echo '== counts by department'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT current_department AS key, count(*) AS n FROM supervision.cases WHERE TRUE GROUP BY current_department ORDER BY 1;
