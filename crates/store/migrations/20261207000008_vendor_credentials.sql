-- Each account's own keys for speech and LLM vendors (`/v1/credentials/{provider}`): agents'
-- vendor engines and `llm` brains use them before the server's keys. One row per account and
-- vendor; the key is write-only (never returned by the API).
CREATE TABLE vendor_credentials (
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    provider    TEXT NOT NULL,
    api_key     TEXT NOT NULL,
    base_url    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, provider)
);
