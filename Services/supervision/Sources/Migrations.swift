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
    ]
}
