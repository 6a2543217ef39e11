import PGClient

/// intake's schema: the reports (each one a case or a duplicate linked to one), the per-day
/// case-number sequences, the Open311 keys, tokens and read view, the reporters' status lookups
/// and the notices sent to the reporting channels.
enum IntakeMigrations {
    static let all: [Migration] = [
        Migration(100, "reports", """
            CREATE TABLE intake.reports (
                case_id               uuid PRIMARY KEY,
                case_number           text NOT NULL UNIQUE,
                channel               text NOT NULL,
                channel_reference     text,
                idempotency_key       text,
                reporter_id           text,
                reporter_contact      text,
                kind                  text NOT NULL CHECK (kind IN ('component', 'event')),
                class_code            text NOT NULL,
                condition_id          text,
                component_code        text,
                lon                   double precision,
                lat                   double precision,
                address               text,
                description           text NOT NULL,
                photos                text[] NOT NULL DEFAULT '{}',
                reported_at           timestamptz NOT NULL,
                received_at           timestamptz NOT NULL,
                requires_verification boolean NOT NULL,
                self_handled          boolean,
                handled_at_intake     boolean,
                status                text NOT NULL CHECK (status IN ('open', 'linked', 'closed')),
                duplicate_of          uuid REFERENCES intake.reports (case_id),
                duplicate_distance_m  double precision,
                updated_at            timestamptz NOT NULL,
                CHECK ((status = 'linked') = (duplicate_of IS NOT NULL))
            );
            -- Idempotency: a retried submission finds the case it already created.
            CREATE UNIQUE INDEX reports_idempotency ON intake.reports (channel, idempotency_key) WHERE idempotency_key IS NOT NULL;
            CREATE UNIQUE INDEX reports_channel_reference ON intake.reports (channel, channel_reference) WHERE channel_reference IS NOT NULL;
            -- Duplicate search: open cases of a class, prefiltered by a lon/lat box.
            CREATE INDEX reports_open_by_class ON intake.reports (kind, class_code, lat, lon) WHERE status = 'open' AND lon IS NOT NULL;
            CREATE INDEX reports_received ON intake.reports (received_at);
            CREATE INDEX reports_duplicate_of ON intake.reports (duplicate_of) WHERE duplicate_of IS NOT NULL;

            -- City-day case-number sequence; the row lock taken by the upsert keeps numbers gap-free
            -- (a rolled-back report gives its number back).
            CREATE TABLE intake.case_number_days (
                day date PRIMARY KEY,
                n   integer NOT NULL
            );
            """),
        Migration(101, "open311", """
            CREATE TABLE intake.open311_keys (
                api_key    text PRIMARY KEY,
                label      text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                revoked_at timestamptz
            );
            INSERT INTO intake.open311_keys (api_key, label) VALUES ('demo-open311-key', 'demo key (local development only)');

            CREATE TABLE intake.open311_tokens (
                token   text PRIMARY KEY,
                case_id uuid NOT NULL REFERENCES intake.reports (case_id)
            );

            -- The GeoReport v2 `request` object over the reports. Intake only knows open/linked;
            -- 'closed' appears once supervision's closing events are applied.
            CREATE VIEW intake.open311_requests AS
            SELECT r.case_id,
                   r.case_number                                 AS service_request_id,
                   CASE WHEN r.status = 'closed' THEN 'closed' ELSE 'open' END AS status,
                   r.kind || '-' || left(r.class_code, 4)        AS service_code,
                   r.kind, r.class_code, r.status AS intake_status, r.duplicate_of,
                   d.case_number                                 AS duplicate_of_number,
                   r.description, r.address, r.lon, r.lat, r.photos,
                   r.received_at                                 AS requested_datetime,
                   r.updated_at                                  AS updated_datetime
            FROM intake.reports r
            LEFT JOIN intake.reports d ON d.case_id = r.duplicate_of;
            """),
        Migration(102, "case status from supervision", """
            -- The supervision state a case ended in (closed, voided, not_accepted, not_filed).
            ALTER TABLE intake.reports ADD COLUMN final_state text;
            -- A linked duplicate is closed when the case it was linked to is.
            DROP VIEW intake.open311_requests;
            CREATE VIEW intake.open311_requests AS
            SELECT r.case_id,
                   r.case_number                                 AS service_request_id,
                   CASE WHEN r.status = 'closed' OR d.status = 'closed' THEN 'closed' ELSE 'open' END AS status,
                   r.kind || '-' || left(r.class_code, 4)        AS service_code,
                   r.kind, r.class_code, r.status AS intake_status, r.duplicate_of,
                   d.case_number                                 AS duplicate_of_number,
                   r.description, r.address, r.lon, r.lat, r.photos,
                   r.received_at                                 AS requested_datetime,
                   GREATEST(r.updated_at, d.updated_at)          AS updated_datetime,
                   coalesce(r.final_state, d.final_state)        AS final_state
            FROM intake.reports r
            LEFT JOIN intake.reports d ON d.case_id = r.duplicate_of;
            """),
        // Photos carry their purpose (`Photo`: {url, purpose}). Reports stored while photos were
        // plain URLs get `report` for each. The Open311 view selects the column, so it is
        // dropped and created again around the change.
        Migration(103, "photos typed by purpose", """
            DROP VIEW intake.open311_requests;
            ALTER TABLE intake.reports ALTER COLUMN photos DROP DEFAULT;
            ALTER TABLE intake.reports ALTER COLUMN photos TYPE jsonb USING to_jsonb(photos);
            UPDATE intake.reports SET photos = (
                SELECT coalesce(jsonb_agg(jsonb_build_object('url', u, 'purpose', 'report') ORDER BY n), '[]'::jsonb)
                FROM jsonb_array_elements_text(photos) WITH ORDINALITY AS t(u, n));
            ALTER TABLE intake.reports ALTER COLUMN photos SET DEFAULT '[]'::jsonb;
            CREATE VIEW intake.open311_requests AS
            SELECT r.case_id,
                   r.case_number                                 AS service_request_id,
                   CASE WHEN r.status = 'closed' OR d.status = 'closed' THEN 'closed' ELSE 'open' END AS status,
                   r.kind || '-' || left(r.class_code, 4)        AS service_code,
                   r.kind, r.class_code, r.status AS intake_status, r.duplicate_of,
                   d.case_number                                 AS duplicate_of_number,
                   r.description, r.address, r.lon, r.lat, r.photos,
                   r.received_at                                 AS requested_datetime,
                   GREATEST(r.updated_at, d.updated_at)          AS updated_datetime,
                   coalesce(r.final_state, d.final_state)        AS final_state
            FROM intake.reports r
            LEFT JOIN intake.reports d ON d.case_id = r.duplicate_of;
            """),
        // The public list's status note needs where the case stands now, not only how it ended;
        // `state_at` keeps a redelivered older transition from moving it back. The view gains the
        // channel, so the list can show public channels only.
        Migration(104, "Open311 disclosure: current state and channel", """
            ALTER TABLE intake.reports ADD COLUMN current_state text, ADD COLUMN state_reason text, ADD COLUMN state_at timestamptz;
            DROP VIEW intake.open311_requests;
            CREATE VIEW intake.open311_requests AS
            SELECT r.case_id,
                   r.case_number                                 AS service_request_id,
                   r.channel,
                   CASE WHEN r.status = 'closed' OR d.status = 'closed' THEN 'closed' ELSE 'open' END AS status,
                   r.kind || '-' || left(r.class_code, 4)        AS service_code,
                   r.kind, r.class_code, r.status AS intake_status, r.duplicate_of,
                   d.case_number                                 AS duplicate_of_number,
                   r.description, r.address, r.lon, r.lat, r.photos,
                   r.received_at                                 AS requested_datetime,
                   GREATEST(r.updated_at, d.updated_at)          AS updated_datetime,
                   coalesce(r.final_state, d.final_state)        AS final_state,
                   CASE WHEN d.case_id IS NULL THEN r.current_state ELSE d.current_state END AS current_state,
                   CASE WHEN d.case_id IS NULL THEN r.state_reason ELSE d.state_reason END AS state_reason
            FROM intake.reports r
            LEFT JOIN intake.reports d ON d.case_id = r.duplicate_of;
            CREATE INDEX reports_public_list ON intake.reports (channel, received_at DESC);
            """),
        // The reporter's own status lookup counts its attempts here (throttling, no enumeration).
        Migration(105, "status lookups", """
            CREATE TABLE intake.status_lookups (
                at             timestamptz NOT NULL DEFAULT now(),
                case_number    text NOT NULL,
                client_address text,
                found          boolean NOT NULL
            );
            CREATE INDEX status_lookups_case ON intake.status_lookups (case_number, at);
            CREATE INDEX status_lookups_address ON intake.status_lookups (client_address, at) WHERE NOT found;
            """),
        // Hotline categories: where a report's class came from, and what the mapping table made of
        // a 12345 ticket's own category (kept for the return of not-ours tickets to the hotline).
        Migration(110, "hotline category and class source", """
            ALTER TABLE intake.reports ADD COLUMN class_source text NOT NULL DEFAULT 'reporter',
                                       ADD COLUMN hotline_category jsonb;
            """),
        // The notices each report's channel was sent (签收, filed, dispatched, … the result). One
        // per report and step: a transition applied again finds its row and sends nothing.
        Migration(111, "channel notices", """
            CREATE TABLE intake.channel_notices (
                notice_id   uuid PRIMARY KEY,
                case_id     uuid NOT NULL REFERENCES intake.reports (case_id),
                sequence    integer NOT NULL CHECK (sequence >= 0),
                kind        text NOT NULL,
                routing_key text NOT NULL,
                occurred_at timestamptz NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now(),
                UNIQUE (case_id, sequence)
            );
            """),
        // Declared coordinate systems: `lon`/`lat` hold the point in WGS84 (converted at intake);
        // these keep it as the reporter sent it, with its system. NULL for reports placed by address
        // or a component's register position, and for reports stored before systems were declared
        // (those were taken as WGS84 whatever they were).
        Migration(112, "original coordinates and their system", """
            ALTER TABLE intake.reports
                ADD COLUMN original_lon double precision,
                ADD COLUMN original_lat double precision,
                ADD COLUMN coordinate_system text CHECK (coordinate_system IN ('wgs84', 'cgcs2000', 'gcj02', 'bd09')),
                ADD CONSTRAINT reports_original_point_whole CHECK (
                    (original_lon IS NULL) = (original_lat IS NULL) AND (original_lon IS NULL) = (coordinate_system IS NULL));
            """),
        // Repeats found after locating (issue 14, point 6): where grid-routing located each case
        // (address-only reports become duplicate candidates), and the caller's keyed hash
        // (HMAC-SHA256 of the normalised phone number; never the number, never shown).
        Migration(118, "located place and caller hash", """
            ALTER TABLE intake.reports ADD COLUMN located_lon double precision, ADD COLUMN located_lat double precision,
                                       ADD COLUMN located_grid text, ADD COLUMN located_at timestamptz,
                                       ADD COLUMN caller_hash text;
            CREATE INDEX reports_open_located_by_class ON intake.reports (kind, class_code, located_lat, located_lon)
                WHERE status = 'open' AND lon IS NULL AND located_lon IS NOT NULL;
            CREATE INDEX reports_caller ON intake.reports (caller_hash, reported_at) WHERE caller_hash IS NOT NULL;
            """),
        // What intake decided once a report was located: the earlier case it repeats, as a
        // duplicate of an open case or a repeat complaint about an ended one, and why. A report
        // linked after locating keeps the sequence of the link, after which the notices of the
        // case it joined continue.
        Migration(119, "repeats found after locating", """
            ALTER TABLE intake.reports
                ADD COLUMN repeat_of uuid REFERENCES intake.reports (case_id),
                ADD COLUMN repeat_relation text CHECK (repeat_relation IN ('duplicate', 'repeat_complaint')),
                ADD COLUMN repeat_basis text CHECK (repeat_basis IN ('same_place', 'same_caller')),
                ADD COLUMN repeat_distance_m double precision,
                ADD COLUMN linked_sequence integer,
                ADD CONSTRAINT reports_repeat_complete CHECK ((repeat_of IS NULL) = (repeat_relation IS NULL) AND (repeat_of IS NULL) = (repeat_basis IS NULL));
            """),
    ]
}
