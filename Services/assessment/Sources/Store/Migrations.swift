import PGClient

/// The assessment schema: the append-only event log, the per-case fold and duplicate links.
enum AssessmentMigrations {
    static let all: [Migration] = [
        Migration(100, "case_events_and_facts", """
            CREATE TABLE assessment.case_events (
                case_id          uuid        NOT NULL,
                sequence         integer     NOT NULL,
                action           text        NOT NULL,
                at               timestamptz NOT NULL,
                to_state         text        NOT NULL,
                actor_id         text        NOT NULL,
                actor_role       text        NOT NULL,
                department       text,
                stopped_stage    text,
                stopped_deadline timestamptz,
                started_stage    text,
                started_deadline timestamptz,
                detail_deadline  timestamptz,
                returned_by      text,
                entry            jsonb       NOT NULL,
                received_at      timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (case_id, sequence)
            );
            CREATE TABLE assessment.case_facts (
                case_id          uuid PRIMARY KEY,
                case_number      text        NOT NULL DEFAULT '',
                channel          text,
                kind             text,
                class_code       text,
                grid_code        text,
                community_code   text,
                street_code      text,
                district_code    text,
                reporter_id      text,
                component_code   text,
                last_sequence    integer     NOT NULL,
                state            text,
                reported_at      timestamptz,
                filed_at         timestamptz,
                dispatched_at    timestamptz,
                department       text,
                departments      text[]      NOT NULL DEFAULT '{}',
                handling_deadline timestamptz,
                completed_at     timestamptz,
                completed_on_time boolean    NOT NULL DEFAULT false,
                closed_at        timestamptz,
                voided_at        timestamptz,
                ended_at         timestamptz,
                suspended        boolean     NOT NULL DEFAULT false,
                rework_count     integer     NOT NULL DEFAULT 0,
                return_count     integer     NOT NULL DEFAULT 0,
                extension_count  integer     NOT NULL DEFAULT 0,
                attributed_at    timestamptz,
                facts            jsonb       NOT NULL,
                updated_at       timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX case_facts_window ON assessment.case_facts (reported_at, ended_at);
            CREATE INDEX case_facts_district ON assessment.case_facts (district_code);
            CREATE TABLE assessment.duplicate_links (
                report_id    uuid PRIMARY KEY,
                duplicate_of uuid        NOT NULL,
                channel      text        NOT NULL,
                kind         text        NOT NULL,
                class_code   text        NOT NULL,
                reported_at  timestamptz NOT NULL
            );
            CREATE INDEX duplicate_links_of ON assessment.duplicate_links (duplicate_of);
            """),
        // Return visits (回访): the verdict is a column of its `return_visit` event, and the latest
        // visit keeps a closed case among the histories of a later period, whose visits it counts.
        Migration(101, "return visit verdicts", """
            ALTER TABLE assessment.case_events ADD COLUMN verdict text;
            ALTER TABLE assessment.case_facts ADD COLUMN last_visit_at timestamptz;
            CREATE INDEX case_facts_last_visit ON assessment.case_facts (last_visit_at) WHERE last_visit_at IS NOT NULL;
            """),
        // Grid responsibility: the supervisor answerable for a case's grid when it was reported
        // (漏报率), and every assignment of a verification or check task (按时核实率, 按时核查率).
        Migration(102, "grid supervisors and field task assignments", """
            ALTER TABLE assessment.case_facts ADD COLUMN grid_supervisor text;
            CREATE TABLE assessment.field_assignments (
                task_id          uuid        NOT NULL,
                sequence         integer     NOT NULL,
                case_id          uuid        NOT NULL,
                kind             text        NOT NULL,
                request_sequence integer     NOT NULL,
                supervisor_id    text,
                assigned_at      timestamptz NOT NULL,
                due_at           timestamptz,
                reason           text        NOT NULL,
                received_at      timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (task_id, sequence)
            );
            CREATE INDEX field_assignments_case ON assessment.field_assignments (case_id);
            """),
        // Repeat complaints (重复投诉, intake's RepeatFound with relation repeat_complaint): the same
        // caller again about an ended case. They count when made, so a case ended before a period
        // is among its histories when complained about in it.
        Migration(104, "repeat complaints", """
            CREATE TABLE assessment.repeat_complaints (
                report_id   uuid PRIMARY KEY,
                repeat_of   uuid        NOT NULL,
                basis       text        NOT NULL,
                channel     text        NOT NULL,
                kind        text        NOT NULL,
                class_code  text        NOT NULL,
                reported_at timestamptz NOT NULL
            );
            CREATE INDEX repeat_complaints_of ON assessment.repeat_complaints (repeat_of, reported_at);
            CREATE INDEX repeat_complaints_reported ON assessment.repeat_complaints (reported_at);
            """),
    ]
}
