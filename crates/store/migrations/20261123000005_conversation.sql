-- The conversation engine's output: transcript turns, and per-call latency figures, recording
-- and summary.
CREATE TABLE transcript_turns (
    call_id      TEXT NOT NULL REFERENCES calls(id),
    seq          BIGINT NOT NULL,
    speaker      TEXT NOT NULL,
    text         TEXT NOT NULL,
    start_ms     BIGINT NOT NULL,
    end_ms       BIGINT NOT NULL,
    interrupted  BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (call_id, seq)
);
ALTER TABLE calls ADD COLUMN latency TEXT;
ALTER TABLE calls ADD COLUMN recording TEXT;
ALTER TABLE calls ADD COLUMN summary TEXT;
