-- The allowlist of persisted operations: the GraphQL documents the Province registered (by SHA-256 of their text),
-- the only ones an API key with persisted_only (or a role listed in SUDPRO_PERSISTED_ONLY_ROLES) may run.
CREATE TABLE persisted_operations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash       text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    query      text NOT NULL CHECK (length(query) BETWEEN 1 AND 100000),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL
);

ALTER TABLE api_keys ADD COLUMN persisted_only boolean NOT NULL DEFAULT false;
