import PGClient

/// Grid responsibility and field work: the roster's changes made in a running city, the field
/// tasks (核实 / 核查) with every assignment they went through, special patrols, and the phone's
/// submissions kept for replay.
enum FieldMigrations {
    static let all: [Migration] = [
        // The roster is reference data (shifts.csv, roster.csv); what the API changes is kept here,
        // append-only, and folded over the files' rows at every read (GridRoster.applying).
        Migration(107, "roster changes made through the API", """
            CREATE TABLE supervision.roster_changes (
                id            bigserial PRIMARY KEY,
                kind          text NOT NULL CHECK (kind IN ('add', 'end')),
                assignment_id text NOT NULL,
                -- add: the new row (RosterAssignment); end: NULL
                assignment    jsonb,
                -- add: the row's first day; end: the first day it no longer applies
                effective_on  date NOT NULL,
                reason        text,
                changed_by    text NOT NULL,
                changed_at    timestamptz NOT NULL
            );
            CREATE UNIQUE INDEX roster_changes_added ON supervision.roster_changes (assignment_id) WHERE kind = 'add';
            CREATE FUNCTION supervision.roster_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'supervision.roster_changes is append-only';
            END
            $$;
            CREATE TRIGGER roster_changes_append_only BEFORE UPDATE OR DELETE ON supervision.roster_changes
                FOR EACH ROW EXECUTE FUNCTION supervision.roster_changes_append_only();
            """),
        // One row per task (a verification, or one check round) with its holder now; one row per
        // assignment it went through, for the phones, the shift leader's queue and the workload.
        // At most one task per case is open: a case waits for one field answer at a time.
        Migration(108, "field tasks, their assignments and special patrols", """
            CREATE TABLE supervision.field_tasks (
                task_id          uuid PRIMARY KEY,
                case_id          uuid NOT NULL REFERENCES supervision.cases (id),
                kind             text NOT NULL CHECK (kind IN ('verification', 'check')),
                request_sequence integer NOT NULL,
                grid_code        text,
                requested_at     timestamptz NOT NULL,
                stage_deadline   timestamptz,
                state            text NOT NULL CHECK (state IN ('open', 'answered', 'cancelled')),
                -- the supervisor holding it; NULL: the shift leader's queue
                holder           text,
                holder_shift     text,
                holder_shift_end timestamptz,
                assigned_at      timestamptz NOT NULL,
                due_at           timestamptz,
                reason           text NOT NULL,
                assignments      integer NOT NULL,
                -- everyone who held it, in order (a reassignment goes to someone new)
                holders          text[] NOT NULL DEFAULT '{}',
                ended_at         timestamptz,
                answered_by      text,
                answer_action    text
            );
            CREATE UNIQUE INDEX field_tasks_one_open ON supervision.field_tasks (case_id) WHERE state = 'open';
            CREATE INDEX field_tasks_holder ON supervision.field_tasks (holder, assigned_at) WHERE state = 'open';
            CREATE INDEX field_tasks_case ON supervision.field_tasks (case_id, requested_at);
            CREATE TABLE supervision.field_task_assignments (
                task_id       uuid NOT NULL REFERENCES supervision.field_tasks (task_id),
                seq           integer NOT NULL,
                supervisor_id text,
                shift         text,
                shift_day     date,
                assigned_at   timestamptz NOT NULL,
                due_at        timestamptz,
                reason        text NOT NULL,
                assigned_by   text NOT NULL,
                ended_at      timestamptz,
                -- answered (by the holder), reassigned, cancelled (the case moved on without an answer)
                outcome       text,
                answered_on_time boolean,
                PRIMARY KEY (task_id, seq)
            );
            CREATE INDEX field_task_assignments_assigned ON supervision.field_task_assignments (assigned_at);
            CREATE TABLE supervision.special_patrols (
                patrol_id     uuid PRIMARY KEY,
                title         text NOT NULL,
                note          text,
                area_codes    text[] NOT NULL,
                supervisor_id text NOT NULL,
                starts_at     timestamptz NOT NULL,
                ends_at       timestamptz NOT NULL,
                created_by    text NOT NULL,
                created_at    timestamptz NOT NULL
            );
            CREATE INDEX special_patrols_supervisor ON supervision.special_patrols (supervisor_id, ends_at);
            """),
        // What the supervisor's phone sent, keyed by supervisor and the phone's own id, with the
        // answer it got: a replay gets the same answer, a different body under the same id 409.
        Migration(109, "phone submissions kept for replay", """
            CREATE TABLE supervision.phone_submissions (
                supervisor_id text NOT NULL,
                client_id     text NOT NULL,
                kind          text NOT NULL CHECK (kind IN ('report', 'verification', 'check')),
                body          jsonb NOT NULL,
                -- pending: a report handed to intake whose answer is not stored yet
                state         text NOT NULL CHECK (state IN ('pending', 'done')),
                status        integer,
                -- the answer's bytes as first sent, so a replay is the same to the byte
                answer        text,
                case_id       uuid,
                received_at   timestamptz NOT NULL,
                completed_at  timestamptz,
                PRIMARY KEY (supervisor_id, client_id)
            );
            """),
    ]
}
