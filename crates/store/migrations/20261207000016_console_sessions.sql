-- Console sign-ins: the browser holds the session token in an HttpOnly cookie; only its hash is
-- kept here. A session acts as the key (or admin token) it was opened with, so revoking that key
-- ends the session at its next request.

CREATE TABLE console_sessions (
    token_hash   TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    key_id       TEXT,
    csrf_token   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
