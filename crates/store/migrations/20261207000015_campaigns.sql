-- Campaigns: contact lists called by one agent inside each contact's calling window, with
-- retries. The scheduler keeps all its state here, so any node can pick a campaign up.

CREATE TABLE campaigns (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts(id),
    business_id           TEXT NOT NULL,
    name                  TEXT NOT NULL,
    agent_id              TEXT NOT NULL,
    from_number_ids       TEXT NOT NULL,
    mode                  TEXT NOT NULL,
    key_id                TEXT,
    status                TEXT NOT NULL,
    calling_window        TEXT NOT NULL,
    retry                 TEXT NOT NULL,
    variables             TEXT NOT NULL,
    max_concurrent        BIGINT NOT NULL,
    calls_per_minute      BIGINT NOT NULL,
    daily_cap_per_number  BIGINT,
    start_at              TEXT,
    end_at                TEXT,
    next_dial_at          TEXT NOT NULL,
    started_at            TEXT,
    ended_at              TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX campaigns_account ON campaigns (account_id, id);
CREATE INDEX campaigns_status ON campaigns (status);

CREATE TABLE campaign_contacts (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    campaign_id      TEXT NOT NULL REFERENCES campaigns(id),
    line             BIGINT,
    contact_id       TEXT,
    phone_number     TEXT NOT NULL,
    name             TEXT,
    timezone         TEXT NOT NULL,
    variables        TEXT NOT NULL,
    state            TEXT NOT NULL,
    skip_reason      TEXT,
    skip_detail      TEXT,
    attempt_count    BIGINT NOT NULL,
    attempts         TEXT NOT NULL,
    next_attempt_at  TEXT,
    call_id          TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX campaign_contacts_list ON campaign_contacts (campaign_id, id);
CREATE INDEX campaign_contacts_due ON campaign_contacts (campaign_id, state, next_attempt_at);

CREATE TABLE campaign_events (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
    type         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id, id);

ALTER TABLE calls ADD COLUMN campaign_id TEXT;
CREATE INDEX calls_campaign ON calls (campaign_id);
CREATE INDEX calls_number_day ON calls (from_number_id, created_at);
