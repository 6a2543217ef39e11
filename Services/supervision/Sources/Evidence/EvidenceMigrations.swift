import PGClient

/// The evidence store's schema (supervision numbers 110–112), kept beside the store's code and
/// added to the service's migrations in `SupervisionService`.
enum EvidenceMigrations {
    static let all: [Migration] = [
        // One row per upload. The file itself is in the content-addressed store on disk, named by
        // `sha256`; the same bytes uploaded twice are one file and two rows (each upload keeps its
        // own uploader and time). `attached_at` is set when a timeline entry first shows the
        // upload; rows without it are orphans the sweep removes after the grace period. An
        // attached row can never be removed again (trigger), nor can an entry's photos change.
        Migration(110, "evidence store: uploads and the photos of timeline entries", """
            CREATE TABLE supervision.evidence (
                id             uuid PRIMARY KEY,
                sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
                media_type     text NOT NULL,
                media_kind     text NOT NULL CHECK (media_kind IN ('photo', 'video')),
                size_bytes     bigint NOT NULL CHECK (size_bytes > 0),
                file_name      text,
                captured_at    timestamptz,
                longitude      double precision,
                latitude       double precision,
                uploaded_by    text NOT NULL,
                uploaded_role  text NOT NULL,
                uploaded_scope text NOT NULL,
                uploaded_at    timestamptz NOT NULL,
                attached_at    timestamptz
            );
            CREATE INDEX evidence_sha256 ON supervision.evidence (sha256);
            -- The sweep's candidates: unreferenced uploads, oldest first.
            CREATE INDEX evidence_unattached ON supervision.evidence (uploaded_at) WHERE attached_at IS NULL;

            -- Every photo a timeline row holds, in the sender's order: an upload held here
            -- (`evidence_id`) or an external URL (a hotline's). Written with the row, never changed.
            CREATE TABLE supervision.entry_photos (
                timeline_id  bigint NOT NULL REFERENCES supervision.timeline (id),
                position     integer NOT NULL,
                case_id      uuid NOT NULL REFERENCES supervision.cases (id),
                purpose      text NOT NULL,
                url          text NOT NULL,
                evidence_id  uuid REFERENCES supervision.evidence (id),
                attached_at  timestamptz NOT NULL,
                PRIMARY KEY (timeline_id, position)
            );
            CREATE INDEX entry_photos_case ON supervision.entry_photos (case_id, timeline_id);
            CREATE INDEX entry_photos_evidence ON supervision.entry_photos (evidence_id) WHERE evidence_id IS NOT NULL;

            CREATE FUNCTION supervision.entry_photos_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'supervision.entry_photos is append-only';
            END
            $$;
            CREATE TRIGGER entry_photos_append_only BEFORE UPDATE OR DELETE ON supervision.entry_photos
                FOR EACH ROW EXECUTE FUNCTION supervision.entry_photos_append_only();

            -- What an upload is never changes; once attached it is never removed.
            CREATE FUNCTION supervision.evidence_kept() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    IF OLD.attached_at IS NOT NULL THEN
                        RAISE EXCEPTION 'evidence % is attached to a timeline and is kept', OLD.id;
                    END IF;
                    RETURN OLD;
                END IF;
                IF NEW.id <> OLD.id OR NEW.sha256 <> OLD.sha256 OR NEW.size_bytes <> OLD.size_bytes
                   OR NEW.media_type <> OLD.media_type OR NEW.uploaded_at <> OLD.uploaded_at
                   OR (OLD.attached_at IS NOT NULL AND NEW.attached_at IS DISTINCT FROM OLD.attached_at) THEN
                    RAISE EXCEPTION 'evidence % may only gain its attachment time', OLD.id;
                END IF;
                RETURN NEW;
            END
            $$;
            CREATE TRIGGER evidence_kept BEFORE UPDATE OR DELETE ON supervision.evidence
                FOR EACH ROW EXECUTE FUNCTION supervision.evidence_kept();
            """),
    ]
}
