-- Who answered an outbound call (human, machine, unknown), and what the agent does at a voicemail
-- greeting: the agent's setting, and the call's copy with its message rendered (both JSON).
ALTER TABLE calls ADD COLUMN answered_by TEXT;
ALTER TABLE calls ADD COLUMN voicemail TEXT;
ALTER TABLE agents ADD COLUMN voicemail TEXT;
