-- API keys of partner chambers: shown once at creation, stored as a SHA-256 hash (the keys are 256-bit random,
-- so a fast hash is enough), recognisable by their prefix, revocable.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    prefix       text NOT NULL UNIQUE CHECK (prefix ~ '^sudpro_ck_[0-9a-f]{8}$'),
    key_hash     text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    scopes       text[] NOT NULL DEFAULT '{}' CHECK (scopes <@ ARRAY['DIRECTORY', 'STATISTICS', 'CONSULTATIONS']),
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
