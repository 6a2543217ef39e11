import PGClient

/// The `routing` schema: grid versions (PostGIS), the case projection, the manual-dispatch
/// queue and the dispatch log.
enum RoutingMigrations {
    static let all: [Migration] = [
        Migration(100, "grids and reference version", """
            CREATE TABLE routing.reference_version (
                id          integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
                version     text NOT NULL,
                imported_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE routing.grids (
                grid_code      text NOT NULL,
                valid_from     date NOT NULL,
                valid_to       date,
                area_class     text NOT NULL,
                community_code text NOT NULL,
                street_code    text NOT NULL,
                district_code  text NOT NULL,
                geom           gis.geometry(Polygon, 4326) NOT NULL,
                PRIMARY KEY (grid_code, valid_from)
            );
            CREATE INDEX grids_geom ON routing.grids USING gist (geom);
            """),
        Migration(101, "cases, manual queue, dispatches", """
            CREATE TABLE routing.cases (
                case_id        uuid PRIMARY KEY,
                case_number    text NOT NULL,
                kind           text NOT NULL,
                class_code     text NOT NULL,
                component_code text,
                description    text NOT NULL,
                address        text,
                photos         text[] NOT NULL DEFAULT '{}',
                reported_at    timestamptz NOT NULL,
                grid_code      text,
                community_code text,
                street_code    text,
                district_code  text,
                area_class     text,
                lon            double precision,
                lat            double precision,
                method         text,
                matched_name   text,
                located_at     timestamptz
            );
            CREATE TABLE routing.manual_queue (
                case_id        uuid PRIMARY KEY,
                case_number    text NOT NULL,
                reason         text NOT NULL,
                detail         text NOT NULL,
                filing         jsonb,
                opened_at      timestamptz NOT NULL,
                resolved_at    timestamptz,
                resolved_by    text
            );
            CREATE INDEX manual_queue_open ON routing.manual_queue (opened_at) WHERE resolved_at IS NULL;
            CREATE TABLE routing.dispatches (
                dispatch_id     uuid PRIMARY KEY,
                case_id         uuid NOT NULL,
                case_number     text NOT NULL,
                department_code text NOT NULL,
                via             text NOT NULL,
                dispatched_at   timestamptz NOT NULL,
                deadline        timestamptz NOT NULL,
                redispatch      boolean NOT NULL,
                excluded        text[] NOT NULL DEFAULT '{}'
            );
            CREATE INDEX dispatches_case ON routing.dispatches (case_id, dispatched_at);
            """),
        Migration(102, "deadline basis of each dispatch", """
            -- What the dispatch's deadline was counted on (DeadlineBasis as JSON: kind, and per
            -- calendar year its standing, version and notice), as sent in TaskDispatched. NULL for
            -- dispatches recorded before bases were.
            ALTER TABLE routing.dispatches ADD COLUMN deadline_basis jsonb;
            """),
        Migration(103, "photos typed by purpose", """
            -- A case's photos as intake sent them, each {url, purpose} (Photo as JSON). Rows stored
            -- while photos were plain URLs held report photos only.
            ALTER TABLE routing.cases ALTER COLUMN photos DROP DEFAULT;
            ALTER TABLE routing.cases ALTER COLUMN photos TYPE jsonb USING to_jsonb(photos);
            UPDATE routing.cases SET photos = (
                SELECT coalesce(jsonb_agg(jsonb_build_object('url', u, 'purpose', 'report') ORDER BY n), '[]'::jsonb)
                FROM jsonb_array_elements_text(photos) WITH ORDINALITY AS t(u, n));
            ALTER TABLE routing.cases ALTER COLUMN photos SET DEFAULT '[]'::jsonb;
            """),
    ]
}
