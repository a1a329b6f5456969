-- The secondary modules (module-engine) switched on in this installation.
-- Their own tables (m_<module>_<entity>) are made from their declarations
-- when they are switched on, and grow a column when a field is added; a
-- module switched off keeps its data.
CREATE TABLE modules (
    name        TEXT PRIMARY KEY,
    enabled     BIGINT NOT NULL,
    changed_at  BIGINT NOT NULL,
    changed_by  TEXT NOT NULL
);
