-- The bureaux' contours of an election, as imported from GeoJSON
-- (election_data::map::BureauMap: projected, simplified, in integer map
-- units), one row per election; replaced whole by a new import.
CREATE TABLE bureau_maps (
    election_id  TEXT PRIMARY KEY REFERENCES elections (id),
    map          TEXT NOT NULL,
    features     BIGINT NOT NULL,
    imported_at  BIGINT NOT NULL,
    imported_by  TEXT NOT NULL
);
