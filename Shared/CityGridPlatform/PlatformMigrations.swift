import PGClient

/// Tables every service keeps in its own schema for reliable messaging. Versions 1–99 are the
/// platform's; a service's own migrations start at 100.
public enum PlatformMigrations {
    public static let all: [Migration] = [
        Migration(1, "outbox, inbox, parked messages, dead letters", """
            -- Messages a transaction decided to send; the relay publishes them with confirms and
            -- marks them sent. A row is never deleted before it is confirmed.
            CREATE TABLE outbox (
                seq             bigserial PRIMARY KEY,
                message_id      uuid NOT NULL UNIQUE,
                exchange        text NOT NULL,
                routing_key     text NOT NULL,
                message_type    text NOT NULL,
                subject         text,
                headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
                body            text NOT NULL,
                created_at      timestamptz NOT NULL DEFAULT now(),
                sent_at         timestamptz,
                attempts        integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                last_error      text
            );
            CREATE INDEX outbox_unsent ON outbox (next_attempt_at, seq) WHERE sent_at IS NULL;

            -- One row per (consumer, message) applied, written in the same transaction as the effect.
            CREATE TABLE inbox (
                consumer    text NOT NULL,
                message_id  uuid NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (consumer, message_id)
            );

            -- Messages that arrived before the case reached the state they need. They are acked
            -- (the row is durable) and applied when the case catches up.
            CREATE TABLE parked_messages (
                consumer    text NOT NULL,
                message_id  uuid NOT NULL,
                subject     text,
                routing_key text NOT NULL,
                headers     jsonb NOT NULL DEFAULT '{}'::jsonb,
                body        text NOT NULL,
                reason      text NOT NULL,
                parked_at   timestamptz NOT NULL DEFAULT now(),
                attempts    integer NOT NULL DEFAULT 0,
                PRIMARY KEY (consumer, message_id)
            );
            CREATE INDEX parked_by_subject ON parked_messages (consumer, subject, parked_at);

            -- Local record of every message this service dead-lettered, with the reason.
            CREATE TABLE dead_letters (
                id          bigserial PRIMARY KEY,
                consumer    text NOT NULL,
                message_id  text NOT NULL,
                routing_key text NOT NULL,
                reason      text NOT NULL,
                body        text NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now()
            );
            """),
        Migration(2, "reference-data changes loaded into the running city", """
            -- Each version of a reference-data item an operator imported (citygrid calendar
            -- import), kept so that every instance, and the service after a restart, applies the
            -- same changes in the same order. The same version twice is one row.
            CREATE TABLE reference_changes (
                seq          bigserial PRIMARY KEY,
                table_name   text NOT NULL,
                item_key     text NOT NULL,
                version      text NOT NULL,
                content      text NOT NULL,
                source       text,
                change_id    uuid NOT NULL,
                changed_by   text NOT NULL,
                changed_at   timestamptz NOT NULL,
                received_at  timestamptz NOT NULL DEFAULT now(),
                UNIQUE (table_name, item_key, version)
            );
            """),
        Migration(3, "dead letters by case", """
            -- The case (envelope subject) of a dead-lettered message, so that its case's later
            -- messages are not parked behind it forever: they follow it to the dead letters.
            -- replayed_at: an operator replayed it (citygrid dead-letters replay) and the copy was
            -- let past the inbox once; until then the case's later messages follow it.
            ALTER TABLE dead_letters ADD COLUMN subject text, ADD COLUMN replayed_at timestamptz;
            CREATE INDEX dead_letters_by_subject ON dead_letters (consumer, subject) WHERE subject IS NOT NULL AND replayed_at IS NULL;
            CREATE INDEX dead_letters_by_message ON dead_letters (consumer, message_id) WHERE replayed_at IS NULL;
            """),
    ]
}
