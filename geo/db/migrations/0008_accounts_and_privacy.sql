-- Accounts, roles and scopes; API tokens and browser sessions (both stored hashed); the audit
-- log; moderation of what the public sees of an incident; the reader role for desktop GIS.

-- Users: each has one role and one area (a district, street, community or grid code) that
-- bounds what they see and act on. Passwords are argon2 hashes (geo/accounts/passwords.py).
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.-]{1,64}$'),
    display_name  text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('viewer', 'planner', 'dispatcher', 'grid_worker', 'admin')),
    area_code     text NOT NULL CHECK (area_code ~ '^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$'),
    password_hash text,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Machine tokens: only the SHA-256 of the token is kept; revocable, with an expiry.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    token_sha256 text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);

-- Browser sessions after a login: the cookie's SHA-256 and the session's CSRF token.
CREATE TABLE sessions (
    token_sha256 text PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

-- Who changed what: layers, scenarios, runs, incidents, users. Never updated or deleted.
CREATE TABLE audit_log (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor  text NOT NULL,
    action text NOT NULL,
    target text NOT NULL DEFAULT '',
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Moderation: free text reaches the public only after a dispatcher marks it publishable.
-- content_sha256 tells a retry (same request_id, same content) from a conflict (other content).
ALTER TABLE incidents
    ADD COLUMN publishable    boolean NOT NULL DEFAULT false,
    ADD COLUMN published_by   text,
    ADD COLUMN content_sha256 text,
    ADD CONSTRAINT incidents_reported_at_range
        CHECK (reported_at >= '2000-01-01+08' AND reported_at < '2101-01-01+08') NOT VALID;

-- Duplicate linking looks for the same category near the same place: one index answers both,
-- so the lookup stays small however many reports one category has that day.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE INDEX incidents_category_geom_idx ON incidents USING gist (category_code, geom);

-- Extra columns of imported layer files are kept in `attrs`; only those declared public here
-- are published (API, maps, the reader role).
CREATE TABLE public_attributes (
    layer text NOT NULL,
    name  text NOT NULL,
    PRIMARY KEY (layer, name)
);

-- The read-only role for desktop GIS (QGIS, ArcGIS): it reads the views of schema `reader`,
-- which leave out personal columns (geo/db/reader.py makes them after every migration).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wangge_reader') THEN
        CREATE ROLE wangge_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    END IF;
END;
$$;
