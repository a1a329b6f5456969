-- Running tallies (centaines) entered with a bureau's procès-verbal.
ALTER TABLE bureau_results ADD COLUMN centaines TEXT NOT NULL DEFAULT '[]';
