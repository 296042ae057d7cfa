-- Per-key request budgets shared by every node on one Postgres (GCRA: one "theoretical arrival
-- time" per key and budget, in milliseconds since the epoch). A node on SQLite keeps its budgets
-- in memory and never writes here.

CREATE TABLE rate_limits (
    key     TEXT PRIMARY KEY,
    tat_ms  BIGINT NOT NULL
);
