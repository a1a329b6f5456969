-- Each entry keeps the bureau's whole dossier after it (JSON of
-- election-data's `Dossier`), so that an instance following the log applies
-- exactly what the writing instance published, in seq order. Entries made
-- before this column have none; they are never replayed (an instance starts
-- from the current rows, then follows).
ALTER TABLE entries ADD COLUMN dossier TEXT;
