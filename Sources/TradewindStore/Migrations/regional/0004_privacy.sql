-- Data-subject requests, the suppression list, and what erasure does to the consent ledger.
--
-- Erasing a person deletes their profile, events and identity links. Their consent ledger
-- entries stay, because the tenant must be able to show which consent it held and when, but
-- lose the link to the person: contact_id becomes NULL, and what is left (purpose, action,
-- lawful basis, source, regime, times) identifies nobody.
-- Validating the new key reads every tenant's rows as the owner, which forced row-level
-- security would refuse; forcing is lifted for this transaction only.
ALTER TABLE consent_events NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE consent_events ALTER COLUMN contact_id DROP NOT NULL;
ALTER TABLE consent_events DROP CONSTRAINT consent_events_tenant_id_contact_id_fkey;
ALTER TABLE consent_events ADD CONSTRAINT consent_events_tenant_id_contact_id_fkey
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE SET NULL (contact_id);
ALTER TABLE consent_events FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;

-- Brazil's LGPD joins the regimes a consent entry or a request may fall under.
ALTER TABLE consent_events DROP CONSTRAINT consent_events_regime_check;
ALTER TABLE consent_events ADD CONSTRAINT consent_events_regime_check
    CHECK (regime IN ('gdpr', 'pipl', 'ccpa', 'pdpa', 'lgpd'));
ALTER TABLE contact_consents ADD CONSTRAINT contact_consents_regime_check
    CHECK (regime IN ('gdpr', 'pipl', 'ccpa', 'pdpa', 'lgpd'));

-- A data subject's request, with its legal due date. The subject is named by what the officer
-- gave (email, phone, contact id or anonymous id); once the request is completed only a keyed
-- hash of that value is kept.
CREATE TABLE privacy_requests (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('access', 'portability', 'erasure', 'rectification')),
    regime           text NOT NULL CHECK (regime IN ('gdpr', 'pipl', 'ccpa', 'pdpa', 'lgpd')),
    subject_kind     text NOT NULL CHECK (subject_kind IN ('email', 'phone', 'contact_id', 'anonymous_id')),
    subject_value    text,
    subject_hash     bytea NOT NULL,
    status           text NOT NULL CHECK (status IN ('open', 'completed', 'rejected')),
    opened_at        timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    completed_at     timestamptz,
    note             text NOT NULL DEFAULT '',
    idempotency_key  text NOT NULL,
    opened_by        text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    CHECK ((status = 'open') = (completed_at IS NULL)),
    CHECK (status = 'open' OR subject_value IS NULL)
);
CREATE INDEX privacy_requests_open_by_due ON privacy_requests (tenant_id, due_at) WHERE status = 'open';
CREATE INDEX privacy_requests_by_opened ON privacy_requests (tenant_id, opened_at DESC, id DESC);

-- Keyed hashes (HMAC-SHA-256, per-tenant key) of erased people's emails and phones: an import
-- that would bring one back is refused instead of silently re-creating the person.
CREATE TABLE suppressed_subjects (
    tenant_id   uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('email', 'phone')),
    value_hash  bytea NOT NULL,
    request_id  uuid NOT NULL,
    erased_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, kind, value_hash),
    FOREIGN KEY (tenant_id, request_id) REFERENCES privacy_requests (tenant_id, id)
);

ALTER TABLE privacy_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE privacy_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON privacy_requests
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE suppressed_subjects ENABLE ROW LEVEL SECURITY;
ALTER TABLE suppressed_subjects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON suppressed_subjects
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, UPDATE ON privacy_requests TO tradewind_app;
GRANT SELECT, INSERT ON suppressed_subjects TO tradewind_app;
-- The app role still may not UPDATE the ledger: the unlinking above is a referential action,
-- which PostgreSQL runs as the table's owner.
