import PGClient

/// The supervision schema: one row per case (queryable columns + the encoded `CaseRecord`) and
/// the append-only timeline.
enum SupervisionMigrations {
    static let all: [Migration] = [
        Migration(100, "cases and timeline", """
            CREATE TABLE supervision.cases (
                id                 uuid PRIMARY KEY,
                number             text NOT NULL UNIQUE,
                state              text NOT NULL,
                version            integer NOT NULL,
                channel            text NOT NULL,
                reporter_id        text,
                kind               text NOT NULL,
                class_code         text NOT NULL,
                condition_id       text,
                component_code     text,
                grid_code          text,
                community_code     text,
                street_code        text,
                district_code      text,
                area_class         text,
                longitude          double precision,
                latitude           double precision,
                address            text,
                description        text NOT NULL,
                photos             text[] NOT NULL DEFAULT '{}',
                current_department text,
                current_dispatch_id uuid,
                handling_deadline  timestamptz,
                clock_stage        text,
                clock_started_at   timestamptz,
                clock_deadline     timestamptz,
                clock_warned_at    timestamptz,
                clock_overdue_at   timestamptz,
                pending_request    text,
                rework_count       integer NOT NULL DEFAULT 0,
                return_count       integer NOT NULL DEFAULT 0,
                extension_count    integer NOT NULL DEFAULT 0,
                duplicate_count    integer NOT NULL DEFAULT 0,
                suspended          boolean NOT NULL DEFAULT false,
                duplicate_of       uuid,
                reported_at        timestamptz NOT NULL,
                created_at         timestamptz NOT NULL DEFAULT now(),
                updated_at         timestamptz NOT NULL DEFAULT now(),
                facts              jsonb NOT NULL,
                record             jsonb NOT NULL
            );
            CREATE INDEX cases_reported ON supervision.cases (reported_at DESC, id DESC);
            CREATE INDEX cases_state ON supervision.cases (state, reported_at DESC);
            CREATE INDEX cases_district ON supervision.cases (district_code, reported_at DESC);
            CREATE INDEX cases_street ON supervision.cases (street_code, reported_at DESC);
            CREATE INDEX cases_community ON supervision.cases (community_code);
            CREATE INDEX cases_grid ON supervision.cases (grid_code);
            CREATE INDEX cases_department ON supervision.cases (current_department, state);
            CREATE INDEX cases_clock ON supervision.cases (clock_deadline) WHERE clock_deadline IS NOT NULL;
            CREATE INDEX cases_point ON supervision.cases (longitude, latitude);

            CREATE TABLE supervision.timeline (
                id               bigserial PRIMARY KEY,
                case_id          uuid NOT NULL REFERENCES supervision.cases (id),
                sequence         integer NOT NULL,
                kind             text NOT NULL DEFAULT 'transition',
                action           text NOT NULL,
                from_state       text,
                to_state         text NOT NULL,
                actor_id         text NOT NULL,
                actor_role       text NOT NULL,
                actor_department text,
                department       text,
                at               timestamptz NOT NULL,
                reason           text,
                details          jsonb NOT NULL DEFAULT '{}',
                entry            jsonb
            );
            CREATE UNIQUE INDEX timeline_transition_sequence ON supervision.timeline (case_id, sequence) WHERE kind = 'transition';
            CREATE INDEX timeline_case ON supervision.timeline (case_id, id);
            CREATE INDEX timeline_action_at ON supervision.timeline (action, at);

            -- The timeline is the audit trail: rows are never changed or removed.
            CREATE FUNCTION supervision.timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'supervision.timeline is append-only';
            END
            $$;
            CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON supervision.timeline
                FOR EACH ROW EXECUTE FUNCTION supervision.timeline_append_only();
            """),
        // Measured with scripts/query-load over a million cases (docs/benchmarks.md, "Query load").
        // Lists are `ORDER BY reported_at DESC, id DESC LIMIT n`: each common filter gets an index
        // that yields exactly that order, so a page is read off the index however rare the filter
        // value (before, rare values walked the whole reported_at index). Text search gets a GIN
        // index of 2- and 3-grams (pg_trgm is not installed and the service role may not install
        // extensions); the query keeps its ILIKE, so the grams only pre-filter.
        Migration(101, "query indexes for list filters, overdue, scoped counts and text search", """
            -- Index builds over a large table outlast the service's statement timeout.
            SET LOCAL statement_timeout = 0;
            SET LOCAL maintenance_work_mem = '256MB';

            CREATE INDEX cases_state_order ON supervision.cases (state, reported_at DESC, id DESC);
            DROP INDEX supervision.cases_state;
            CREATE INDEX cases_district_order ON supervision.cases (district_code, reported_at DESC, id DESC);
            DROP INDEX supervision.cases_district;
            CREATE INDEX cases_street_order ON supervision.cases (street_code, reported_at DESC, id DESC);
            DROP INDEX supervision.cases_street;
            CREATE INDEX cases_community_order ON supervision.cases (community_code, reported_at DESC, id DESC);
            DROP INDEX supervision.cases_community;
            CREATE INDEX cases_grid_order ON supervision.cases (grid_code, reported_at DESC, id DESC);
            DROP INDEX supervision.cases_grid;
            CREATE INDEX cases_department_order ON supervision.cases (current_department, reported_at DESC, id DESC);
            CREATE INDEX cases_channel_order ON supervision.cases (channel, reported_at DESC, id DESC);
            -- `overdue=true` is (clock_overdue_at IS NOT NULL OR clock_deadline < now): only cases with a
            -- running clock, a few per cent of all. Its clause implies this predicate.
            CREATE INDEX cases_clocked_order ON supervision.cases (reported_at DESC, id DESC)
                WHERE clock_overdue_at IS NOT NULL OR clock_deadline IS NOT NULL;
            -- Counts by status for district and street tokens, from the index alone.
            CREATE INDEX cases_district_state ON supervision.cases (district_code, state);
            CREATE INDEX cases_street_state ON supervision.cases (street_code, state);

            -- Lower-cased n-grams of a text (each once). IMMUTABLE like lower() itself.
            CREATE FUNCTION supervision.text_grams(t text, n integer) RETURNS text[]
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                AS $$ SELECT coalesce(array_agg(DISTINCT substr(l, i, n)), '{}')
                      FROM (SELECT lower(t) AS l) s, generate_series(1, length(l) - n + 1) i $$;
            -- Every 2- and 3-gram of the three texts `q` searches: a case matching `q` (ILIKE '%q%')
            -- has all of q's grams among these.
            CREATE FUNCTION supervision.case_search_grams(number text, description text, address text) RETURNS text[]
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                AS $$ SELECT supervision.text_grams(number, 2) || supervision.text_grams(number, 3)
                          || supervision.text_grams(description, 2) || supervision.text_grams(description, 3)
                          || supervision.text_grams(coalesce(address, ''), 2) || supervision.text_grams(coalesce(address, ''), 3) $$;
            -- The grams of a search text: its 3-grams, or its 2-gram when it has two characters.
            CREATE FUNCTION supervision.query_grams(q text) RETURNS text[]
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                AS $$ SELECT supervision.text_grams(q, CASE WHEN length(q) >= 3 THEN 3 ELSE 2 END) $$;
            CREATE INDEX cases_search_grams ON supervision.cases USING gin (supervision.case_search_grams(number, description, address));
            ANALYZE supervision.cases;
            """),
        // What the running clock's deadline was counted on, one token per calendar year
        // (`2027:provisional-8b2d4e10`); empty for natural time and decisions, NULL for clocks
        // started before bases were recorded. When a calendar is replaced, the stale clocks are
        // those whose tokens are not all among the calendar's current ones.
        Migration(102, "deadline basis of the running clock", """
            ALTER TABLE supervision.cases ADD COLUMN clock_basis text[];
            """),
        // Photos carry their purpose (`Photo`: {url, purpose}) in the column and in `facts`.
        // Cases stored while photos were plain URLs get `report` for each: the order those lists
        // were read in is not a purpose. For a self-handled case of that time, the timeline's
        // `report_self_handled` entry still names its before and after photos.
        Migration(103, "photos typed by purpose", """
            ALTER TABLE supervision.cases ALTER COLUMN photos DROP DEFAULT;
            ALTER TABLE supervision.cases ALTER COLUMN photos TYPE jsonb USING to_jsonb(photos);
            UPDATE supervision.cases SET photos = (
                SELECT coalesce(jsonb_agg(jsonb_build_object('url', u, 'purpose', 'report') ORDER BY n), '[]'::jsonb)
                FROM jsonb_array_elements_text(photos) WITH ORDINALITY AS t(u, n));
            UPDATE supervision.cases SET facts = jsonb_set(facts, '{photos}', photos);
            ALTER TABLE supervision.cases ALTER COLUMN photos SET DEFAULT '[]'::jsonb;
            """),
        // The map queries (`near`, `within`) in PostGIS: the point as a geography, kept by the
        // database from the coordinates (so no writer can forget it), with a GiST index; the
        // plain (longitude, latitude) index served only the old bounding-box filter.
        Migration(104, "case location as a PostGIS geography", """
            ALTER TABLE supervision.cases ADD COLUMN location gis.geography(Point, 4326) GENERATED ALWAYS AS (
                CASE WHEN longitude IS NOT NULL AND latitude IS NOT NULL
                     THEN gis.ST_SetSRID(gis.ST_MakePoint(longitude, latitude), 4326)::gis.geography END) STORED;
            CREATE INDEX cases_location ON supervision.cases USING gist (location);
            DROP INDEX supervision.cases_point;
            ANALYZE supervision.cases;
            """),
        // Dashboard counts read the state and the grouped column of every case they count. With
        // them in one index, led by the state, the counts over the open cases (a few per cent of
        // all) read those cases' entries only, where the grouped column's own index made them
        // read every case's entry and many rows (0.3–1 s at a million cases, holding a pooled
        // connection from the lists). The clock columns let `overdue=true` count from it too.
        Migration(105, "covering index for dashboard counts by state; index of pending requests", """
            SET LOCAL statement_timeout = 0;
            SET LOCAL maintenance_work_mem = '256MB';
            CREATE INDEX cases_state_counts ON supervision.cases (state)
                INCLUDE (district_code, street_code, current_department, grid_code, channel, clock_deadline, clock_overdue_at);
            -- The desks' request queues (`pending=`): the few cases with a pending request, in list
            -- order, instead of every in-handling case read to find them.
            CREATE INDEX cases_pending_order ON supervision.cases (pending_request, reported_at DESC, id DESC)
                WHERE pending_request IS NOT NULL;
            ANALYZE supervision.cases;
            """),
        // Return visits (回访) and reopening (重办). A hotline names the case it calls back about by
        // its own ticket number: the case's channel reference, kept in `facts` since the report,
        // becomes a column with an index per channel. A reopening the policy put before the shift
        // leader is a flag with a partial index (the shift leader's queue, `referred=true`).
        Migration(106, "return visits: channel reference, reopen count and referral", """
            SET LOCAL statement_timeout = 0;
            ALTER TABLE supervision.cases ADD COLUMN channel_reference text;
            ALTER TABLE supervision.cases ADD COLUMN reopen_count integer NOT NULL DEFAULT 0;
            ALTER TABLE supervision.cases ADD COLUMN reopen_referred boolean NOT NULL DEFAULT false;
            UPDATE supervision.cases SET channel_reference = facts->>'channelReference' WHERE facts ? 'channelReference';
            CREATE INDEX cases_channel_reference ON supervision.cases (channel, channel_reference) WHERE channel_reference IS NOT NULL;
            CREATE INDEX cases_reopen_referred ON supervision.cases (reported_at DESC, id DESC) WHERE reopen_referred;
            """),
        // The search grams move out of `cases` into a table of their own. As an index on `cases`
        // they were computed again on every transition (no transition is a HOT update: `state`
        // is indexed), about three quarters of the cost of each case update in the benchmark;
        // the texts they come from (number, description, address) almost never change. Triggers
        // keep the table: on insert, and on an update only when one of the three texts changed.
        Migration(113, "search grams in their own table, kept by triggers", """
            SET LOCAL statement_timeout = 0;
            CREATE TABLE supervision.case_search (
                case_id uuid PRIMARY KEY REFERENCES supervision.cases (id),
                grams   text[] NOT NULL
            );
            INSERT INTO supervision.case_search (case_id, grams)
                SELECT id, supervision.case_search_grams(number, description, address) FROM supervision.cases;
            CREATE INDEX case_search_grams ON supervision.case_search USING gin (grams);
            CREATE FUNCTION supervision.keep_case_search() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO supervision.case_search (case_id, grams)
                VALUES (NEW.id, supervision.case_search_grams(NEW.number, NEW.description, NEW.address))
                ON CONFLICT (case_id) DO UPDATE SET grams = EXCLUDED.grams;
                RETURN NULL;
            END $$;
            CREATE TRIGGER case_search_on_insert AFTER INSERT ON supervision.cases
                FOR EACH ROW EXECUTE FUNCTION supervision.keep_case_search();
            CREATE TRIGGER case_search_on_update AFTER UPDATE OF number, description, address ON supervision.cases
                FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.description IS DISTINCT FROM NEW.description
                                   OR OLD.address IS DISTINCT FROM NEW.address)
                EXECUTE FUNCTION supervision.keep_case_search();
            DROP INDEX supervision.cases_search_grams;
            ANALYZE supervision.case_search;
            """),
        // A search for a case number (or its beginning) reads the number's index as a range. The
        // unique index on `number` is rebuilt with text_pattern_ops, which answers both the
        // equality lookups and that range, so `cases` gains no index (every transition writes
        // each of them).
        Migration(114, "case numbers indexed for prefix ranges", """
            SET LOCAL statement_timeout = 0;
            CREATE UNIQUE INDEX cases_number_prefix ON supervision.cases (number text_pattern_ops);
            ALTER TABLE supervision.cases DROP CONSTRAINT cases_number_key;
            """),
        // The time-order index carries the class code, so a class list (no index of its own in
        // list order) finds its page's ids without reading the rows it passes over. It replaces
        // the plain index: still one index on `cases` for the time order.
        Migration(115, "time-order index carries the class code", """
            SET LOCAL statement_timeout = 0;
            CREATE INDEX cases_reported_class ON supervision.cases (reported_at DESC, id DESC) INCLUDE (class_code);
            DROP INDEX supervision.cases_reported;
            """),
    ] + FieldMigrations.all
}
