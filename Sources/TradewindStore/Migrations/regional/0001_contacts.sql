-- Contacts and their consent ledger. Every table follows the RLS contract: tenant-first keys,
-- composite foreign keys, ENABLE + FORCE row-level security and one policy on the
-- transaction-local setting tradewind.tenant_id (an unset or empty setting raises: fail closed).

CREATE TABLE contacts (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    email       text NOT NULL DEFAULT '',
    phone       text NOT NULL DEFAULT '',
    name        text NOT NULL DEFAULT '',
    country     text NOT NULL DEFAULT '' CHECK (country ~ '^([A-Z]{2})?$'),
    language    text NOT NULL DEFAULT '',
    tags        text[] NOT NULL DEFAULT '{}',
    attributes  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, external_id)
);
CREATE INDEX contacts_newest_first ON contacts (tenant_id, created_at DESC, id DESC);
CREATE INDEX contacts_by_country ON contacts (tenant_id, country, created_at DESC, id DESC);

-- The append-only ledger: the app role may insert and read entries, never change them.
CREATE TABLE consent_events (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL,
    contact_id   uuid NOT NULL,
    purpose      text NOT NULL CHECK (purpose IN ('email_marketing', 'ad_personalisation', 'analytics')),
    action       text NOT NULL CHECK (action IN ('grant', 'withdraw')),
    lawful_basis text CHECK (lawful_basis IN ('consent', 'contract', 'legitimate_interest', 'legal_obligation')),
    source       text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    regime       text NOT NULL CHECK (regime IN ('gdpr', 'pipl', 'ccpa', 'pdpa')),
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
    CHECK (action = 'withdraw' OR lawful_basis IS NOT NULL)
);
CREATE INDEX consent_events_by_contact ON consent_events (tenant_id, contact_id, occurred_at, recorded_at);

-- Current consent per purpose, derived from the ledger in the same transaction as each entry,
-- so that reads and consent filters need not replay the ledger.
CREATE TABLE contact_consents (
    tenant_id    uuid NOT NULL,
    contact_id   uuid NOT NULL,
    purpose      text NOT NULL CHECK (purpose IN ('email_marketing', 'ad_personalisation', 'analytics')),
    granted      boolean NOT NULL,
    lawful_basis text,
    source       text NOT NULL,
    regime       text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, contact_id, purpose),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_consents_by_purpose ON contact_consents (tenant_id, purpose, granted, contact_id);

ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contacts
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE consent_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE consent_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON consent_events
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE contact_consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_consents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_consents
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON contacts TO tradewind_app;
GRANT SELECT, INSERT ON consent_events TO tradewind_app;
GRANT SELECT, INSERT, UPDATE ON contact_consents TO tradewind_app;
