-- A call's latest transfer (JSON: to, mode, status, method, failure, started_at, bridged_at).
ALTER TABLE calls ADD COLUMN transfer TEXT;
