-- The Twilio carrier: each account's Twilio credentials, the carrier's own id for a call (Twilio's
-- CallSid), and speech engines chosen per agent.
CREATE TABLE twilio_credentials (
    account_id          TEXT PRIMARY KEY REFERENCES accounts(id),
    twilio_account_sid  TEXT NOT NULL,
    auth_token          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX twilio_credentials_sid ON twilio_credentials (twilio_account_sid);
ALTER TABLE calls ADD COLUMN carrier_call_id TEXT;
ALTER TABLE agents ADD COLUMN speech TEXT NOT NULL DEFAULT '{}';
