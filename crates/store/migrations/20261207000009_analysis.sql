-- Post-call analysis: each agent's `analysis` settings, a call's own overrides and results, the
-- durable jobs the analysis worker runs (one row per call and run: the run after the call is 1,
-- each POST /v1/calls/{id}/analyze adds one), and the tokens an analysis used in the usage log.
ALTER TABLE agents ADD COLUMN analysis TEXT NOT NULL DEFAULT '{}';
ALTER TABLE calls ADD COLUMN analysis_settings TEXT;
ALTER TABLE calls ADD COLUMN analysis TEXT;
ALTER TABLE calls ADD COLUMN quality_dimensions TEXT;
ALTER TABLE usage_log ADD COLUMN prompt_tokens BIGINT;
ALTER TABLE usage_log ADD COLUMN completion_tokens BIGINT;

CREATE TABLE analysis_jobs (
    call_id          TEXT NOT NULL REFERENCES calls(id),
    run              BIGINT NOT NULL,
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    -- pending (waiting, leased or retrying), done, or superseded (a later run was asked for)
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (call_id, run)
);
CREATE INDEX analysis_jobs_due ON analysis_jobs (status, next_attempt_at);
