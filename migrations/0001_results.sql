-- Elections, the current state of each bureau, and the entry log.
-- Counts are integers; the election definition is the JSON of election-data's model.
CREATE TABLE elections (
    id          TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    seq         BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

-- The current, validated figures of a bureau (one row per bureau that has any).
CREATE TABLE bureau_results (
    election_id TEXT NOT NULL REFERENCES elections(id),
    bureau_code TEXT NOT NULL,
    version     BIGINT NOT NULL,
    state       TEXT NOT NULL,
    pv          TEXT,
    turnout     TEXT NOT NULL DEFAULT '[]',
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (election_id, bureau_code)
);

-- Every accepted write, in order: the change log the hub and other instances
-- replay from, and the version history of each bureau.
CREATE TABLE entries (
    election_id TEXT NOT NULL REFERENCES elections(id),
    seq         BIGINT NOT NULL,
    bureau_code TEXT NOT NULL,
    version     BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (election_id, seq),
    UNIQUE (election_id, bureau_code, version)
);
