-- SIP trunks: where calls on `sip` numbers leave for the phone network.
CREATE TABLE sip_trunks (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    name             TEXT NOT NULL,
    host             TEXT NOT NULL,
    port             BIGINT NOT NULL,
    transport        TEXT NOT NULL,
    username         TEXT,
    password         TEXT,
    from_domain      TEXT,
    caller_id_mode   TEXT NOT NULL,
    headers          TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX sip_trunks_account ON sip_trunks (account_id, id);
CREATE INDEX phone_numbers_trunk ON phone_numbers (trunk_id);
ALTER TABLE calls ADD COLUMN media TEXT;
