import PGClient

/// Disposal's tables: the departments' task inboxes and the append-only log of every update.
public enum DisposalMigrations {
    public static let all: [Migration] = [
        Migration(100, "tasks and task events", """
            -- One row per dispatch (派遣): a department's task. A rework or re-dispatch is a new row;
            -- the previous one becomes 'superseded'.
            CREATE TABLE disposal.tasks (
                dispatch_id      uuid PRIMARY KEY,
                case_id          uuid NOT NULL,
                case_number      text NOT NULL,
                department_code  text NOT NULL,
                department_name  text NOT NULL,
                via              text NOT NULL DEFAULT '',
                state            text NOT NULL CHECK (state IN
                                   ('dispatched','accepted','suspended','completed','returned','closed','voided','superseded')),
                pending_request  text CHECK (pending_request IN ('return','extension','suspension')),
                pending_reason   text,
                pending_deadline timestamptz,
                pending_at       timestamptz,
                deadline         timestamptz NOT NULL,
                handling_limit   text NOT NULL DEFAULT '',
                kind             text NOT NULL,
                class_code       text NOT NULL,
                class_name       text NOT NULL DEFAULT '',
                condition_id     text NOT NULL DEFAULT '',
                grid_code        text NOT NULL,
                description      text NOT NULL,
                address          text,
                longitude        double precision,
                latitude         double precision,
                photos           text[] NOT NULL DEFAULT '{}',
                redispatch       boolean NOT NULL DEFAULT false,
                rework_of        uuid,
                superseded_by    uuid,
                dispatched_at    timestamptz NOT NULL,
                accepted_at      timestamptz,
                completed_at     timestamptz,
                ended_at         timestamptz,
                result           text,
                result_photos    text[] NOT NULL DEFAULT '{}',
                warning_at       timestamptz,
                overdue_at       timestamptz,
                urge_count       integer NOT NULL DEFAULT 0,
                last_notice      text,
                last_notice_at   timestamptz,
                updated_at       timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX tasks_inbox ON disposal.tasks (department_code, state, dispatched_at DESC);
            CREATE INDEX tasks_case ON disposal.tasks (case_id, dispatched_at DESC);

            -- Every update of every task, in order: dispatches, department operations (with their
            -- notes and photo URLs) and supervision notices. Never updated or deleted.
            CREATE TABLE disposal.task_events (
                seq                bigserial PRIMARY KEY,
                event_id           uuid NOT NULL UNIQUE,
                dispatch_id        uuid NOT NULL REFERENCES disposal.tasks (dispatch_id),
                case_id            uuid NOT NULL,
                kind               text NOT NULL,
                actor_id           text NOT NULL,
                channel            text NOT NULL,
                at                 timestamptz NOT NULL,
                note               text,
                result             text,
                reason             text,
                requested_deadline timestamptz,
                deadline           timestamptz,
                photos             text[] NOT NULL DEFAULT '{}',
                recorded_at        timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX task_events_dispatch ON disposal.task_events (dispatch_id, seq);

            CREATE FUNCTION disposal.task_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'disposal.task_events is append-only';
            END
            $$;
            CREATE TRIGGER task_events_append_only BEFORE UPDATE OR DELETE ON disposal.task_events
                FOR EACH ROW EXECUTE FUNCTION disposal.task_events_append_only();
            """),
        Migration(101, "deadline bases of tasks and their log", """
            -- What each task's deadline was counted on (DeadlineBasis as JSON: kind, and per
            -- calendar year its standing, version and notice), from TaskDispatched and from the
            -- notices that set a deadline. NULL where the message carried none.
            ALTER TABLE disposal.tasks ADD COLUMN deadline_basis jsonb;
            -- The log keeps the deadline's history: each entry that set a deadline says what it was
            -- counted on and which deadline it replaced. (Adding columns does not touch existing
            -- rows, so the append-only trigger is not involved.)
            ALTER TABLE disposal.task_events ADD COLUMN deadline_basis jsonb, ADD COLUMN previous_deadline timestamptz;
            """),
    ]
}
