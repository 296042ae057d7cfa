-- Calls, their event log, and idempotency records for POST /v1/calls.

CREATE TABLE calls (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts(id),
    business_id        TEXT NOT NULL,
    agent_id           TEXT NOT NULL,
    agent_name         TEXT NOT NULL,
    assistant_id       TEXT,
    direction          TEXT NOT NULL,
    mode               TEXT NOT NULL,
    carrier            TEXT NOT NULL,
    from_number        TEXT NOT NULL,
    from_number_id     TEXT NOT NULL,
    to_number          TEXT NOT NULL,
    contact_id         TEXT,
    name               TEXT,
    context            TEXT,
    variables          TEXT NOT NULL,
    metadata           TEXT NOT NULL,
    instructions       TEXT NOT NULL,
    first_message      TEXT,
    voice              TEXT,
    webhook_url        TEXT,
    max_duration_secs  BIGINT NOT NULL,
    ring_timeout_secs  BIGINT NOT NULL,
    start_at           TEXT NOT NULL,
    status             TEXT NOT NULL,
    end_reason         TEXT,
    end_detail         TEXT,
    owner_node         TEXT,
    heartbeat_at       TEXT,
    initiated_at       TEXT,
    ringing_at         TEXT,
    answered_at        TEXT,
    ended_at           TEXT,
    duration_secs      BIGINT,
    cost_cents         BIGINT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX calls_account ON calls (account_id, id);
CREATE INDEX calls_status ON calls (status, start_at);
CREATE INDEX calls_account_status ON calls (account_id, status);
CREATE INDEX calls_from_number ON calls (from_number_id, id);

CREATE TABLE call_events (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    call_id     TEXT NOT NULL REFERENCES calls(id),
    type        TEXT NOT NULL,
    status      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX call_events_call ON call_events (call_id, id);

CREATE TABLE idempotency_keys (
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    idempotency_key  TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    call_id          TEXT NOT NULL,
    response_status  BIGINT NOT NULL,
    response_body    TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
