-- Seed dialects (`/klen`, `/krosai`, `/kaicalls`, `/agentphone`): contacts keep the id the
-- caller's own CRM gives them (Klen's integer `contact_id`, KaiCalls' `lead_id`), and webhook
-- endpoints and calls carry the payload format their receiver expects.
ALTER TABLE contacts ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX contacts_external_id ON contacts (account_id, external_id);
ALTER TABLE webhook_endpoints ADD COLUMN format TEXT NOT NULL DEFAULT 'standard';
ALTER TABLE calls ADD COLUMN webhook_format TEXT NOT NULL DEFAULT 'standard';
ALTER TABLE webhook_deliveries ADD COLUMN format TEXT NOT NULL DEFAULT 'standard';
