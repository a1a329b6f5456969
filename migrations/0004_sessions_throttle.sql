-- Issue 19: accounts can be disabled (their sessions end at once) and
-- unlocked (the login throttle forgets their failures, on every instance);
-- sessions remember the address they were opened from, for the desk.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users ADD COLUMN throttle_reset_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN client_addr TEXT;
CREATE INDEX sessions_by_username ON sessions (username);
