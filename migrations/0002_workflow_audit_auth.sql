-- Workflow (double entry, published figures), the hash-chained audit log,
-- accounts, sessions, one-time codes and idempotency keys.
ALTER TABLE bureau_results ADD COLUMN second_pv TEXT;
ALTER TABLE bureau_results ADD COLUMN published_pv TEXT;

-- The head of the audit chain: one row, updated in every audited transaction,
-- so concurrent writers queue on its lock and the chain never forks.
CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY,
    n     BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, n, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    n           BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    election_id TEXT,
    bureau_code TEXT,
    old_value   TEXT,
    new_value   TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    bureaux       TEXT NOT NULL DEFAULT '[]',
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    role        TEXT NOT NULL,
    election_id TEXT,
    bureaux     TEXT NOT NULL DEFAULT '[]',
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE access_codes (
    code_hash   TEXT PRIMARY KEY,
    election_id TEXT NOT NULL,
    bureau_code TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

CREATE TABLE idempotency (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status       BIGINT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
