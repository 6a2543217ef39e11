import PGClient

/// The console schema: accounts, sessions and the two audits. No case data lives here.
public enum ConsoleMigrations {
    public static let all: [Migration] = [
        Migration(100, "users, sessions, sign-in and case-open audits", """
            -- Staff who sign in to the workbench. role is the platform's Role, scope an AccessScope
            -- text (city, district:150102, department:SZGY). password_hash names its algorithm and
            -- parameters, so stronger parameters can be introduced without a migration.
            CREATE TABLE console.users (
                id            uuid PRIMARY KEY,
                login         text NOT NULL UNIQUE CHECK (login = lower(login) AND length(login) BETWEEN 1 AND 64),
                display_name  text NOT NULL,
                role          text NOT NULL,
                scope         text NOT NULL,
                password_hash text NOT NULL,
                disabled      boolean NOT NULL DEFAULT false,
                created_at    timestamptz NOT NULL DEFAULT now(),
                updated_at    timestamptz NOT NULL DEFAULT now()
            );

            -- One row per sign-in. Only a SHA-256 of the cookie's random id is kept: a copy of this
            -- table does not let anyone take over a session.
            CREATE TABLE console.sessions (
                id_hash        text PRIMARY KEY,
                user_id        uuid NOT NULL REFERENCES console.users (id),
                created_at     timestamptz NOT NULL DEFAULT now(),
                last_seen_at   timestamptz NOT NULL DEFAULT now(),
                expires_at     timestamptz NOT NULL,
                ended_at       timestamptz,
                end_reason     text,
                csrf_token     text NOT NULL,
                client_address text
            );
            CREATE INDEX sessions_open_by_user ON console.sessions (user_id) WHERE ended_at IS NULL;

            -- Every sign-in attempt, whatever its outcome. Throttling counts failures here, so it
            -- survives restarts and holds across console instances.
            CREATE TABLE console.sign_in_audit (
                id             bigserial PRIMARY KEY,
                login          text NOT NULL,
                user_id        uuid,
                client_address text,
                outcome        text NOT NULL CHECK (outcome IN ('success', 'unknown_login', 'bad_password', 'disabled', 'throttled')),
                at             timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX sign_in_audit_login ON console.sign_in_audit (login, at DESC);
            CREATE INDEX sign_in_audit_address ON console.sign_in_audit (client_address, at DESC);

            -- Who opened which case, written when a single case's GET passes through the console.
            CREATE TABLE console.case_open_audit (
                id             bigserial PRIMARY KEY,
                user_id        uuid NOT NULL REFERENCES console.users (id),
                login          text NOT NULL,
                service        text NOT NULL,
                case_ref       text NOT NULL,
                client_address text,
                at             timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX case_open_audit_case ON console.case_open_audit (case_ref, at DESC);
            CREATE INDEX case_open_audit_user ON console.case_open_audit (user_id, at DESC);
            """),
    ]
}
