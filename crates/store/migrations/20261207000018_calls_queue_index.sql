-- A call's place in its account's queue is counted at every POST /v1/calls: with this index the
-- count reads index entries only (it read every queued row of every account before, through
-- calls_status, which made each create slower as queues grew).

CREATE INDEX IF NOT EXISTS calls_account_queue ON calls (account_id, status, start_at, id);
