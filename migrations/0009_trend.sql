-- The centaine a bureau's desk published as an early trend (JSON, NULL when
-- none), until the bureau's result is published.
ALTER TABLE bureau_results ADD COLUMN trend TEXT;
