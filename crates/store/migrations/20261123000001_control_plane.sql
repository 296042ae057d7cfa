-- One schema for SQLite and Postgres: only TEXT and BIGINT columns, so the same SQL runs on both.
-- Ids are prefixed UUIDv7 text (time-ordered); timestamps are fixed-width UTC text
-- (2026-01-15T10:00:00.000000Z) so that text order is time order; flags are 0/1;
-- JSON documents are TEXT; money is BIGINT cents.

CREATE TABLE accounts (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    admin_token_hash      TEXT NOT NULL UNIQUE,
    plan                  TEXT NOT NULL,
    concurrency_limit     BIGINT NOT NULL,
    balance_cents         BIGINT NOT NULL,
    rate_cents_per_minute BIGINT NOT NULL,
    currency              TEXT NOT NULL,
    created_at            TEXT NOT NULL
);

CREATE TABLE businesses (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    name        TEXT NOT NULL,
    phone       TEXT,
    timezone    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX businesses_account ON businesses (account_id, id);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    business_id   TEXT REFERENCES businesses(id),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    mode          TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    ip_allowlist  TEXT NOT NULL,
    expires_at    TEXT,
    revoked_at    TEXT,
    last_used_at  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX api_keys_account ON api_keys (account_id, id);

CREATE TABLE agents (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts(id),
    business_id        TEXT NOT NULL REFERENCES businesses(id),
    name               TEXT NOT NULL,
    instructions       TEXT NOT NULL,
    first_message      TEXT,
    voice              TEXT,
    language           TEXT NOT NULL,
    brain              TEXT NOT NULL,
    webhook_url        TEXT,
    max_duration_secs  BIGINT NOT NULL,
    assistant_id       TEXT,
    metadata           TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX agents_account ON agents (account_id, id);
CREATE UNIQUE INDEX agents_assistant_id ON agents (account_id, assistant_id);

CREATE TABLE phone_numbers (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    business_id       TEXT NOT NULL REFERENCES businesses(id),
    phone_number      TEXT NOT NULL,
    label             TEXT,
    outbound_enabled  BIGINT NOT NULL,
    inbound_enabled   BIGINT NOT NULL,
    agent_id          TEXT REFERENCES agents(id) ON DELETE SET NULL,
    carrier           TEXT NOT NULL,
    trunk_id          TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX phone_numbers_account ON phone_numbers (account_id, id);
CREATE UNIQUE INDEX phone_numbers_unique ON phone_numbers (account_id, phone_number);
CREATE INDEX phone_numbers_agent ON phone_numbers (agent_id);

CREATE TABLE contacts (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts(id),
    business_id        TEXT NOT NULL REFERENCES businesses(id),
    name               TEXT,
    phone_number       TEXT NOT NULL,
    email              TEXT,
    timezone           TEXT,
    lead_score         BIGINT,
    lead_status        TEXT,
    lead_source        TEXT,
    custom_fields      TEXT NOT NULL,
    interaction_count  BIGINT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX contacts_account ON contacts (account_id, id);
CREATE INDEX contacts_phone ON contacts (account_id, phone_number);

CREATE TABLE dnc_entries (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    phone_number  TEXT NOT NULL,
    reason        TEXT,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX dnc_entries_unique ON dnc_entries (account_id, phone_number);
CREATE INDEX dnc_entries_account ON dnc_entries (account_id, id);

CREATE TABLE ledger_entries (
    id                   TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts(id),
    kind                 TEXT NOT NULL,
    amount_cents         BIGINT NOT NULL,
    balance_after_cents  BIGINT NOT NULL,
    call_id              TEXT,
    description          TEXT,
    created_at           TEXT NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);

CREATE TABLE usage_log (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    key_id       TEXT,
    method       TEXT NOT NULL,
    endpoint     TEXT NOT NULL,
    status_code  BIGINT NOT NULL,
    call_id      TEXT,
    cost_cents   BIGINT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX usage_log_account ON usage_log (account_id, id);
