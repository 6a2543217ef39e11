-- Query-load seed: :cases realistic cases straight into supervision.cases (+ timeline rows for the
-- cases of the last :timeline_days days), set-based. Run by scripts/query-load as the admin role on
-- the scratch database, after the supervision binary's migrations made the schema. The script
-- replaces @REFDIR@ with Shared/reference-data (psql does not interpolate variables in \copy).
--
-- The rows mirror what CaseStore writes: the query columns, `facts` (CaseFacts) and `record`
-- (CaseRecord) as the service's JSON encoder spells them (camelCase keys, RFC 3339 UTC dates with
-- milliseconds, upper-case UUIDs, nil optionals left out), a version equal to the number of
-- transitions, and a running stage clock only on open cases, with the warning/overdue marks the
-- deadline watcher would already have set.
\set ON_ERROR_STOP on
\timing off
SET client_min_messages = warning;
SET synchronous_commit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
SET TIME ZONE 'UTC';

DROP SCHEMA IF EXISTS loadref CASCADE;
CREATE SCHEMA loadref;

-- ---- reference data ----------------------------------------------------------------------------
CREATE TABLE loadref.grids_csv (code text, community_code text, area_class text, land_use text, area_m2 float8,
    valid_from text, valid_to text, replaced_by text, polygon text, source text);
\copy loadref.grids_csv FROM '@REFDIR@/grids.csv' CSV HEADER
CREATE TABLE loadref.classes_csv (kind text, major_code text, sub_code text, third_code text, name_zh text, name_en text,
    parent_code text, local_extension text, source text);
\copy loadref.classes_csv FROM '@REFDIR@/classes.csv' CSV HEADER
CREATE TABLE loadref.conditions_csv (kind text, condition_id text, class_code text, description text, limit_a text, unit_a text,
    limit_b text, unit_b text, limit_c text, unit_c text, closing_condition text, responsible_hint text, source text);
\copy loadref.conditions_csv FROM '@REFDIR@/filing-conditions.csv' CSV HEADER
CREATE TABLE loadref.rules_csv (kind text, class_code text, rule_order text, sector_department text, street_first text, note text);
\copy loadref.rules_csv FROM '@REFDIR@/responsibility-rules.csv' CSV HEADER
CREATE TABLE loadref.gazetteer_csv (id text, kind text, name text, road text, house_number text, district_code text,
    lon float8, lat float8, line text, historical_names text, source text);
\copy loadref.gazetteer_csv FROM '@REFDIR@/gazetteer.csv' CSV HEADER

-- Grids in a shuffled order (so the skewed pick below spreads over all districts), with centre and size.
CREATE TABLE loadref.grids AS
SELECT row_number() OVER (ORDER BY md5(code)) - 1 AS i, code, community_code, left(code, 9) AS street_code,
       left(code, 6) AS district_code, area_class,
       gis.ST_X(gis.ST_PointOnSurface(geom)) AS lon, gis.ST_Y(gis.ST_PointOnSurface(geom)) AS lat,
       gis.ST_XMax(geom) - gis.ST_XMin(geom) AS dlon, gis.ST_YMax(geom) - gis.ST_YMin(geom) AS dlat
FROM (SELECT *, gis.ST_GeomFromText(polygon) AS geom FROM loadref.grids_csv WHERE coalesce(valid_to, '') = '') g;
CREATE UNIQUE INDEX ON loadref.grids (i);

-- Sub-classes (the level reports are classified at), with their first filing condition and the
-- department responsibility rules give them (sub-class rule, else the major class's rule).
CREATE TABLE loadref.classes AS
SELECT row_number() OVER (ORDER BY md5(c.kind || c.sub_code)) - 1 AS i, c.kind, c.sub_code AS code, c.name_zh,
       fc.condition_id, coalesce(fc.description, c.name_zh) AS description,
       coalesce(rs.sector_department, rm.sector_department) AS sector_department,
       coalesce(rs.street_first, rm.street_first, 'true') = 'true' AS street_first
FROM loadref.classes_csv c
LEFT JOIN LATERAL (SELECT condition_id, description FROM loadref.conditions_csv f
                   WHERE f.kind = c.kind AND f.class_code = c.sub_code ORDER BY condition_id LIMIT 1) fc ON true
LEFT JOIN loadref.rules_csv rs ON rs.kind = c.kind AND rs.class_code = c.sub_code
LEFT JOIN loadref.rules_csv rm ON rm.kind = c.kind AND rm.class_code = c.major_code
WHERE coalesce(c.sub_code, '') <> '' AND coalesce(c.third_code, '') = '';
CREATE UNIQUE INDEX ON loadref.classes (i);

CREATE TABLE loadref.roads AS
SELECT row_number() OVER (PARTITION BY district_code ORDER BY name) - 1 AS i, district_code, name,
       count(*) OVER (PARTITION BY district_code) AS n
FROM loadref.gazetteer_csv WHERE kind = 'road';

-- ---- per-case draws -----------------------------------------------------------------------------
SELECT setseed(0.2026);
CREATE UNLOGGED TABLE loadref.draw AS
SELECT g,
       random() AS u_day, random() AS u_tod, random() AS u_state, random() AS u_channel, random() AS u_grid,
       random() AS u_class, random() AS u_gap, random() AS u_limit, random() AS u_lon, random() AS u_lat,
       random() AS u_dept, random() AS u_house
FROM generate_series(1, :cases) g;

-- Reported times over the last 365 days, daytime-heavy (07:00-20:00 city time), none in the future.
CREATE UNLOGGED TABLE loadref.base AS
WITH t AS (
    SELECT d.*, date_trunc('milliseconds',
               ((date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') - floor(u_day * 365) * interval '1 day'
                 + interval '7 hours' + u_tod * interval '13 hours') AT TIME ZONE 'Asia/Shanghai')) AS raw_at
    FROM loadref.draw d
)
SELECT t.*, CASE WHEN raw_at > now() - interval '1 minute' THEN raw_at - interval '1 day' ELSE raw_at END AS reported_at
FROM t;

CREATE UNLOGGED TABLE loadref.gen AS
WITH b AS (
    SELECT base.*, now() - reported_at AS age,
           CASE WHEN u_channel < 0.90 THEN 'supervisor' WHEN u_channel < 0.95 THEN 'hotline_12345'
                WHEN u_channel < 0.97 THEN 'app' WHEN u_channel < 0.98 THEN 'hotline_12319'
                WHEN u_channel < 0.99 THEN 'open311' WHEN u_channel < 0.995 THEN 'video' ELSE 'police_110' END AS channel
    FROM loadref.base
), s AS (
    SELECT b.*,
           CASE WHEN age > interval '30 days' THEN
                    CASE WHEN u_state < 0.88 THEN 'closed' WHEN u_state < 0.93 THEN 'voided' WHEN u_state < 0.96 THEN 'not_accepted'
                         WHEN u_state < 0.985 THEN 'not_filed' WHEN u_state < 0.995 THEN 'suspended' ELSE 'in_handling' END
                WHEN age > interval '3 days' THEN
                    CASE WHEN u_state < 0.70 THEN 'closed' WHEN u_state < 0.75 THEN 'voided' WHEN u_state < 0.78 THEN 'not_accepted'
                         WHEN u_state < 0.80 THEN 'not_filed' WHEN u_state < 0.92 THEN 'in_handling' WHEN u_state < 0.96 THEN 'awaiting_check'
                         WHEN u_state < 0.97 THEN 'awaiting_close' WHEN u_state < 0.99 THEN 'suspended' ELSE 'awaiting_dispatch' END
                ELSE
                    CASE WHEN u_state < 0.30 THEN 'closed' WHEN u_state < 0.65 THEN 'in_handling' WHEN u_state < 0.75 THEN 'awaiting_check'
                         WHEN u_state < 0.78 THEN 'awaiting_close' WHEN u_state < 0.83 THEN 'awaiting_dispatch'
                         WHEN u_state < 0.84 THEN 'manual_dispatch' WHEN u_state < 0.87 THEN 'awaiting_accept'
                         WHEN u_state < 0.90 THEN 'awaiting_verify' WHEN u_state < 0.93 THEN 'awaiting_file'
                         WHEN u_state < 0.96 THEN 'voided' WHEN u_state < 0.98 THEN 'not_accepted' ELSE 'self_handled_pending' END
           END AS raw_state
    FROM b
), s2 AS (
    -- Only public channels are verified; only supervisors hand in self-handled reports.
    SELECT s.*,
           CASE WHEN raw_state = 'awaiting_verify' AND channel = 'supervisor' THEN 'awaiting_accept'
                WHEN raw_state = 'self_handled_pending' AND channel <> 'supervisor' THEN 'awaiting_accept'
                ELSE raw_state END AS state,
           channel <> 'supervisor' AS verified
    FROM s
), p AS (
    -- Length of the main-path prefix each state has walked (see loadref.mainline), and the extra steps.
    SELECT s2.*, (CASE WHEN verified THEN 1 ELSE 0 END) AS o,
           CASE state WHEN 'awaiting_accept' THEN 2 WHEN 'awaiting_verify' THEN 2 WHEN 'awaiting_file' THEN 3
                      WHEN 'awaiting_dispatch' THEN 4 WHEN 'manual_dispatch' THEN 4 WHEN 'in_handling' THEN 5
                      WHEN 'suspended' THEN 5 WHEN 'awaiting_check' THEN 7 WHEN 'awaiting_close' THEN 8 WHEN 'closed' THEN 9
                      WHEN 'voided' THEN 2 WHEN 'not_accepted' THEN 2 WHEN 'not_filed' THEN 3 WHEN 'self_handled_pending' THEN 0 END
             + CASE WHEN verified AND state NOT IN ('awaiting_accept', 'voided', 'not_accepted', 'self_handled_pending') THEN 1 ELSE 0 END AS main_len,
           CASE state WHEN 'manual_dispatch' THEN 1 WHEN 'suspended' THEN 2 WHEN 'voided' THEN 1 WHEN 'not_accepted' THEN 1
                      WHEN 'not_filed' THEN 1 WHEN 'self_handled_pending' THEN 1 ELSE 0 END AS tail_len
    FROM s2
), q AS (
    SELECT p.*, main_len + tail_len AS steps,
           -- Minutes between steps: 10 min to 8 h, squeezed so the last step is in the past.
           date_trunc('milliseconds', least(interval '10 minutes' + u_gap * interval '470 minutes', age / (main_len + tail_len + 2))) AS gap,
           gr.code AS grid_code, gr.community_code, gr.street_code, gr.district_code, gr.area_class,
           round((gr.lon + (u_lon - 0.5) * 0.5 * gr.dlon)::numeric, 7)::float8 AS longitude,
           round((gr.lat + (u_lat - 0.5) * 0.5 * gr.dlat)::numeric, 7)::float8 AS latitude,
           c.kind, c.code AS class_code, c.condition_id AS class_condition, c.description, c.name_zh,
           CASE WHEN c.street_first OR c.sector_department IS NULL OR u_dept < 0.25 THEN 'STREET-' || gr.street_code
                ELSE c.sector_department END AS department,
           coalesce(rd.name, '街巷') || (1 + floor(u_house * 300))::int || '号' AS address,
           -- Handling limits: 2 h, 8 h, 1 day, 2 days or 5 days.
           (ARRAY[2, 8, 24, 48, 120])[1 + floor(u_limit * 5)::int] * interval '1 hour' AS handle_limit
    FROM p
    JOIN loadref.grids gr ON gr.i = floor(power(u_grid, 1.3) * (SELECT count(*) FROM loadref.grids))::bigint
    JOIN loadref.classes c ON c.i = floor(power(u_class, 1.8) * (SELECT count(*) FROM loadref.classes))::bigint
    LEFT JOIN loadref.roads rd ON rd.district_code = gr.district_code AND rd.i = g % rd.n
)
SELECT q.*,
       md5('citygrid-load-case-' || g)::uuid AS id,
       md5('citygrid-load-dispatch-' || g)::uuid AS dispatch_id,
       to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-'
           || lpad((row_number() OVER (PARTITION BY (reported_at AT TIME ZONE 'Asia/Shanghai')::date ORDER BY reported_at, g))::text, 4, '0') AS number
FROM q;

-- Milestones and the running clock.
CREATE UNLOGGED TABLE loadref.cases AS
WITH m AS (
    SELECT gen.*,
           -- Step k happens at reported_at + (k - 1) * gap (step 1, the report, at reported_at).
           CASE WHEN main_len >= 3 THEN reported_at + 2 * gap END AS accepted_at,
           CASE WHEN main_len >= 4 + o THEN reported_at + (3 + o) * gap END AS filed_at,
           CASE WHEN main_len >= 5 + o THEN reported_at + (4 + o) * gap END AS dispatched_at,
           CASE WHEN main_len >= 6 + o THEN reported_at + (5 + o) * gap END AS completed_at,
           CASE WHEN main_len >= 7 + o THEN reported_at + (6 + o) * gap END AS check_requested_at,
           CASE WHEN main_len >= 8 + o THEN reported_at + (7 + o) * gap END AS check_passed_at,
           CASE WHEN state = 'closed' THEN reported_at + (8 + o) * gap END AS closed_at,
           CASE WHEN state = 'voided' THEN reported_at + 2 * gap END AS voided_at,
           CASE WHEN state = 'suspended' THEN reported_at + (6 + o) * gap END AS suspended_since
    FROM loadref.gen
), c AS (
    SELECT m.*,
           CASE WHEN dispatched_at IS NOT NULL THEN department END AS current_department,
           CASE WHEN dispatched_at IS NOT NULL THEN dispatched_at + handle_limit END AS handling_deadline,
           CASE state WHEN 'awaiting_accept' THEN 'accept' WHEN 'awaiting_verify' THEN 'verify' WHEN 'awaiting_file' THEN 'file'
                      WHEN 'awaiting_dispatch' THEN 'dispatch' WHEN 'manual_dispatch' THEN 'dispatch' WHEN 'in_handling' THEN 'handle'
                      WHEN 'awaiting_check' THEN 'check' WHEN 'awaiting_close' THEN 'close' WHEN 'self_handled_pending' THEN 'review' END AS clock_stage
    FROM m
), k AS (
    SELECT c.*,
           CASE clock_stage WHEN 'accept' THEN reported_at WHEN 'review' THEN reported_at
                            WHEN 'verify' THEN reported_at + 2 * gap WHEN 'file' THEN reported_at + (main_len - 1) * gap
                            WHEN 'dispatch' THEN filed_at WHEN 'handle' THEN dispatched_at
                            WHEN 'check' THEN check_requested_at WHEN 'close' THEN check_passed_at END AS clock_started_at
    FROM c
), d AS (
    SELECT k.*,
           CASE clock_stage WHEN 'handle' THEN handling_deadline
                            WHEN 'verify' THEN clock_started_at + interval '1 hour' WHEN 'check' THEN clock_started_at + interval '1 hour'
                            WHEN 'review' THEN clock_started_at + interval '1 hour'
                            ELSE clock_started_at + interval '30 minutes' END AS clock_deadline
    FROM k
)
SELECT d.*,
       CASE WHEN clock_stage IS NOT NULL AND clock_started_at + (clock_deadline - clock_started_at) * 0.8 <= now()
            THEN date_trunc('milliseconds', clock_started_at + (clock_deadline - clock_started_at) * 0.8) END AS clock_warned_at,
       CASE WHEN clock_stage IS NOT NULL AND clock_deadline <= now() THEN clock_deadline END AS clock_overdue_at
FROM d;

-- ---- cases ------------------------------------------------------------------------------------------
CREATE FUNCTION loadref.ts(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

INSERT INTO supervision.cases (id, number, state, version, channel, reporter_id, kind, class_code, condition_id, component_code,
    grid_code, community_code, street_code, district_code, area_class, longitude, latitude, address, description, photos,
    current_department, current_dispatch_id, handling_deadline, clock_stage, clock_started_at, clock_deadline, clock_warned_at,
    clock_overdue_at, pending_request, rework_count, return_count, extension_count, duplicate_count, suspended, duplicate_of,
    reported_at, created_at, updated_at, facts, record)
SELECT id, number, state,
       steps + (clock_warned_at IS NOT NULL)::int + (clock_overdue_at IS NOT NULL)::int,
       channel, reporter_id, kind, class_code, CASE WHEN filed_at IS NOT NULL THEN class_condition END, NULL,
       grid_code, community_code, street_code, district_code, area_class, longitude, latitude, address, description, photos,
       current_department, CASE WHEN current_department IS NOT NULL THEN dispatch_id END, handling_deadline,
       clock_stage, clock_started_at, clock_deadline, clock_warned_at, clock_overdue_at, NULL, 0, 0, 0, 0, state = 'suspended', NULL,
       reported_at, reported_at, coalesce(closed_at, voided_at, suspended_since, clock_started_at, reported_at),
       jsonb_strip_nulls(jsonb_build_object(
           'channel', channel,
           'channelReference', CASE channel WHEN 'hotline_12345' THEN 'RX' || replace(number, '-', '') WHEN 'hotline_12319' THEN 'JS' || replace(number, '-', '') END,
           'reporterId', reporter_id, 'kind', kind, 'classCode', class_code,
           'longitude', longitude, 'latitude', latitude, 'address', address, 'description', description,
           'photos', photos, 'reportedAt', loadref.ts(reported_at),
           'gridCode', grid_code, 'communityCode', community_code, 'streetCode', street_code, 'districtCode', district_code,
           'areaClass', area_class)),
       jsonb_strip_nulls(jsonb_build_object(
           'id', upper(id::text), 'caseNumber', number, 'state', state,
           'version', steps + (clock_warned_at IS NOT NULL)::int + (clock_overdue_at IS NOT NULL)::int,
           'requiresVerification', verified, 'gridCode', grid_code,
           'conditionId', CASE WHEN filed_at IS NOT NULL THEN class_condition END,
           'currentDepartment', current_department,
           'dispatchIds', CASE WHEN dispatched_at IS NOT NULL THEN jsonb_build_array(upper(dispatch_id::text)) ELSE '[]'::jsonb END,
           'returnedBy', '[]'::jsonb,
           'handlingDeadline', loadref.ts(handling_deadline),
           'clock', CASE WHEN clock_stage IS NOT NULL THEN jsonb_build_object(
               'stage', clock_stage, 'startedAt', loadref.ts(clock_started_at), 'deadline', loadref.ts(clock_deadline),
               'warnedAt', loadref.ts(clock_warned_at), 'overdueAt', loadref.ts(clock_overdue_at)) END,
           'reworkCount', 0, 'returnCount', 0, 'extensionCount', 0,
           'reportedAt', loadref.ts(reported_at), 'acceptedAt', loadref.ts(accepted_at), 'filedAt', loadref.ts(filed_at),
           'dispatchedAt', loadref.ts(dispatched_at), 'taskAcceptedAt', loadref.ts(completed_at),
           'completedAt', loadref.ts(completed_at), 'checkRequestedAt', loadref.ts(check_requested_at),
           'closedAt', loadref.ts(closed_at), 'voidedAt', loadref.ts(voided_at), 'suspendedSince', loadref.ts(suspended_since)))
FROM (
    SELECT x.*,
           CASE WHEN channel = 'supervisor' THEN 'SUP-' || street_code || '-' || lpad((g % 12)::text, 2, '0') END AS reporter_id,
           -- Typed photos (Photo: {url, purpose}), as the service stores them.
           jsonb_build_array(jsonb_build_object('url', 'photos/' || replace(id::text, '-', '') || '-1.jpg', 'purpose', 'report')) AS photos
    FROM loadref.cases x
) y
-- In report order, as the service inserts them: the heap is clustered by time like a real one.
ORDER BY reported_at;

-- ---- timeline (cases of the last :timeline_days days) -------------------------------------------------
-- The main path; `o` shifts the steps after verification for public-channel cases.
CREATE TABLE loadref.mainline (verified boolean, k int, action text, from_state text, to_state text, role text);
INSERT INTO loadref.mainline
SELECT v, k + CASE WHEN v AND k >= 3 THEN 1 ELSE 0 END, action, from_state, to_state, role
FROM (VALUES (false), (true)) vs(v),
     (VALUES (1, 'report', NULL, 'reported', 'supervisor'), (2, 'locate', 'reported', 'awaiting_accept', 'system'),
             (3, 'accept', 'awaiting_accept', 'awaiting_file', 'acceptor'),
             (4, 'file', 'awaiting_file', 'awaiting_dispatch', 'shift_leader'),
             (5, 'dispatch', 'awaiting_dispatch', 'in_handling', 'system'),
             (6, 'complete', 'in_handling', 'awaiting_check', 'department'),
             (7, 'request_check', 'awaiting_check', 'awaiting_check', 'acceptor'),
             (8, 'check_passed', 'awaiting_check', 'awaiting_close', 'supervisor'),
             (9, 'close', 'awaiting_close', 'closed', 'shift_leader')) s(k, action, from_state, to_state, role)
WHERE NOT (v AND k = 3);
INSERT INTO loadref.mainline VALUES
    (true, 3, 'request_verification', 'awaiting_accept', 'awaiting_verify', 'acceptor'),
    (true, 4, 'verification_confirmed', 'awaiting_verify', 'awaiting_file', 'supervisor');
-- Steps after the main-path prefix, numbered from 1.
CREATE TABLE loadref.tail (state text, k int, action text, from_state text, to_state text, role text);
INSERT INTO loadref.tail VALUES
    ('manual_dispatch', 1, 'require_manual_dispatch', 'awaiting_dispatch', 'manual_dispatch', 'system'),
    ('suspended', 1, 'request_suspension', 'in_handling', 'in_handling', 'department'),
    ('suspended', 2, 'approve_suspension', 'in_handling', 'suspended', 'shift_leader'),
    ('voided', 1, 'void', 'awaiting_accept', 'voided', 'shift_leader'),
    ('not_accepted', 1, 'reject_at_accept', 'awaiting_accept', 'not_accepted', 'acceptor'),
    ('not_filed', 1, 'refuse_filing', 'awaiting_file', 'not_filed', 'shift_leader'),
    ('self_handled_pending', 1, 'report_self_handled', NULL, 'self_handled_pending', 'supervisor');

CREATE UNLOGGED TABLE loadref.steps AS
SELECT c.id, c.g, c.channel, c.reporter_id, c.department, c.grid_code, c.class_condition, c.dispatch_id,
       date_trunc('milliseconds', c.reported_at + (s.k - 1) * c.gap) AS at, s.k, s.action, s.from_state, s.to_state,
       CASE WHEN s.action = 'report' AND c.channel <> 'supervisor' THEN 'system' ELSE s.role END AS role
FROM (SELECT x.*, CASE WHEN channel = 'supervisor' THEN 'SUP-' || street_code || '-' || lpad((g % 12)::text, 2, '0') END AS reporter_id
      FROM loadref.cases x WHERE reported_at > now() - :timeline_days * interval '1 day') c
CROSS JOIN LATERAL (
    SELECT ml.k, ml.action, ml.from_state, ml.to_state, ml.role FROM loadref.mainline ml
    WHERE ml.verified = c.verified AND ml.k <= c.main_len
    UNION ALL
    SELECT c.main_len + t.k, t.action, t.from_state, t.to_state, t.role FROM loadref.tail t WHERE t.state = c.state
) s
UNION ALL
SELECT c.id, c.g, c.channel, NULL, c.department, c.grid_code, c.class_condition, c.dispatch_id,
       m.at, c.steps + m.n, m.action, c.state, c.state, 'system'
FROM loadref.cases c
CROSS JOIN LATERAL (VALUES (1, 'mark_warning', c.clock_warned_at), (2, 'mark_overdue', c.clock_overdue_at)) m(n, action, at)
WHERE c.reported_at > now() - :timeline_days * interval '1 day' AND m.at IS NOT NULL
  AND (m.n = 1 OR c.clock_warned_at IS NOT NULL);

INSERT INTO supervision.timeline (case_id, sequence, kind, action, from_state, to_state, actor_id, actor_role, actor_department,
    department, at, reason, details, entry)
SELECT id, k, 'transition', action, from_state, to_state, actor_id, role, actor_department, department_column, at, NULL, details,
       jsonb_strip_nulls(jsonb_build_object(
           'caseId', upper(id::text), 'sequence', k, 'action', action, 'from', from_state, 'to', to_state,
           'actorId', actor_id, 'actorRole', role, 'actorDepartment', actor_department, 'at', loadref.ts(at),
           'department', department_column, 'details', details))
FROM (
    SELECT st.*,
           CASE role WHEN 'supervisor' THEN coalesce(reporter_id, 'SUP-' || left(grid_code, 9) || '-00')
                     WHEN 'system' THEN CASE action WHEN 'locate' THEN 'grid-routing' WHEN 'dispatch' THEN 'grid-routing'
                                                    WHEN 'report' THEN 'intake' ELSE 'deadline-watcher' END
                     WHEN 'acceptor' THEN 'ACC-' || lpad((g % 6)::text, 2, '0')
                     WHEN 'shift_leader' THEN 'SL-' || lpad((g % 4)::text, 2, '0')
                     WHEN 'department' THEN department || '-staff' END AS actor_id,
           CASE WHEN role = 'department' THEN department END AS actor_department,
           CASE WHEN action = 'dispatch' OR role = 'department' THEN department END AS department_column,
           CASE action WHEN 'locate' THEN jsonb_build_object('grid_code', grid_code)
                       WHEN 'report' THEN jsonb_build_object('grid_code', grid_code)
                       WHEN 'file' THEN jsonb_strip_nulls(jsonb_build_object('condition_id', class_condition))
                       WHEN 'dispatch' THEN jsonb_build_object('dispatch_id', dispatch_id::text)
                       ELSE '{}'::jsonb END AS details
    FROM loadref.steps st
) t
ORDER BY at, id, k;

DROP SCHEMA loadref CASCADE;
VACUUM (ANALYZE) supervision.cases;
VACUUM (ANALYZE) supervision.timeline;
VACUUM (ANALYZE) supervision.case_search;
