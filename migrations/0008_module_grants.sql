-- The secondary modules' own roles granted to accounts (openCourrier's
-- agent du courrier…): one row per account, module and role, on top of the
-- account's role. Revoking deletes the row; both are audited.
CREATE TABLE module_grants (
    username    TEXT NOT NULL REFERENCES users (username),
    module      TEXT NOT NULL,
    role        TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    granted_by  TEXT NOT NULL,
    PRIMARY KEY (username, module, role)
);
