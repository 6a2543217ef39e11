-- Real keys from the seeded database, for the query-load driver (one JSON document on stdout).
\set ON_ERROR_STOP on
\pset tuples_only on
\pset format unaligned
SELECT setseed(0.7);
SELECT json_build_object(
    'cases', (SELECT count(*) FROM supervision.cases),
    'timeline_rows', (SELECT count(*) FROM supervision.timeline),
    -- Detail pages are opened for recent cases, which are the ones with a seeded timeline.
    'ids', (SELECT json_agg(id) FROM (SELECT DISTINCT case_id AS id FROM supervision.timeline ORDER BY 1 LIMIT 20000) t
            WHERE random() < 0.1),
    'numbers', (SELECT json_agg(number) FROM (SELECT number FROM supervision.cases TABLESAMPLE SYSTEM (1) LIMIT 2000) t),
    'districts', (SELECT json_agg(DISTINCT district_code) FROM supervision.cases WHERE district_code IS NOT NULL),
    'streets', (SELECT json_agg(DISTINCT street_code) FROM supervision.cases WHERE street_code IS NOT NULL),
    'communities', (SELECT json_agg(DISTINCT community_code) FROM supervision.cases WHERE community_code IS NOT NULL),
    'grids', (SELECT json_agg(grid_code) FROM (SELECT DISTINCT grid_code FROM supervision.cases TABLESAMPLE SYSTEM (1)
                                                  WHERE grid_code IS NOT NULL LIMIT 500) t),
    'departments', (SELECT json_agg(DISTINCT current_department) FROM supervision.cases WHERE current_department IS NOT NULL),
    -- Sub-classes and their major classes, as the class filter is a prefix match.
    'classes', (SELECT json_agg(c) FROM (SELECT DISTINCT class_code AS c FROM supervision.cases
                                         UNION SELECT DISTINCT left(class_code, 2) FROM supervision.cases) t),
    'channels', (SELECT json_agg(DISTINCT channel) FROM supervision.cases),
    -- What people type into the search box: a road, a house address, a word of the description.
    'words', (SELECT json_agg(w) FROM (
                  SELECT DISTINCT regexp_replace(address, '[0-9]+号$', '') AS w FROM supervision.cases TABLESAMPLE SYSTEM (1)
                  UNION ALL (SELECT address FROM supervision.cases TABLESAMPLE SYSTEM (1) LIMIT 20)
                  UNION ALL (SELECT DISTINCT left(description, 2) FROM supervision.cases TABLESAMPLE SYSTEM (1) LIMIT 20)) t),
    'points', (SELECT json_agg(json_build_array(longitude, latitude)) FROM (
                  SELECT longitude, latitude FROM supervision.cases TABLESAMPLE SYSTEM (1) WHERE longitude IS NOT NULL LIMIT 1000) t),
    'oldest_epoch', (SELECT extract(epoch FROM min(reported_at)) FROM supervision.cases),
    'newest_epoch', (SELECT extract(epoch FROM max(reported_at)) FROM supervision.cases)
);
