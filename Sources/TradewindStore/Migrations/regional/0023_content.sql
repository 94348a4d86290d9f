-- Issue 15: ad copy. A tenant's own rule packs (competitor trademarks, brand-safety words,
-- forbidden claims), its glossaries, the stored checks of its creatives that the publication gate reads, and the
-- approvals compliance officers give on them. All tenant data: forced row-level security, home
-- region only.

-- `spec` is Core's `CopyRulePack` as JSON; `revision` is its version ("3"), bumped on each change,
-- and the pack's etag.
CREATE TABLE content_rule_packs (
    tenant_id  uuid NOT NULL,
    pack_id    text NOT NULL CHECK (pack_id ~ '^[a-z0-9_-]{1,64}$'),
    revision   bigint NOT NULL DEFAULT 1 CHECK (revision >= 1),
    spec       jsonb NOT NULL,
    created_by text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, pack_id)
);

-- What the copy rules read about a campaign's ads: its product category (Core's
-- `CopyCategory.known`) and the day its offer ends.
ALTER TABLE campaigns ADD COLUMN product_category text CHECK (product_category ~ '^[a-z_]{1,40}$');
ALTER TABLE campaigns ADD COLUMN offer_end_day date;

-- A glossary per market (`*`: every one) and language (a primary subtag): brand terms kept as
-- written, preferred and forbidden terms. `spec` is Core's `CopyGlossary` as JSON; `revision` its
-- version and etag, as for a pack.
CREATE TABLE content_glossaries (
    tenant_id  uuid NOT NULL,
    market     text NOT NULL CHECK (market ~ '^([A-Z]{2}|\*)$'),
    language   text NOT NULL CHECK (language ~ '^[a-z]{2,3}$'),
    revision   bigint NOT NULL DEFAULT 1 CHECK (revision >= 1),
    spec       jsonb NOT NULL,
    created_by text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, market, language)
);

-- One check of one ad's texts for the markets it runs in. `text_sha256` is the fingerprint of
-- the texts and what the rules read about them (`CopyDraft.fingerprint`); `pack_versions` the
-- packs that made the verdicts. The gate uses the latest check whose fingerprint and pack
-- versions are those of the ad as it is published; an edit or a new pack version needs a new one.
-- severity: 0 pass, 1 warn, 2 review, 3 block (the worst over the markets).
CREATE TABLE content_checks (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    campaign_id   uuid NOT NULL,
    ad_id         uuid NOT NULL,
    text_sha256   bytea NOT NULL CHECK (length(text_sha256) = 32),
    pack_versions jsonb NOT NULL,
    verdicts      jsonb NOT NULL,
    severity      smallint NOT NULL CHECK (severity BETWEEN 0 AND 3),
    created_by    text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX content_checks_by_ad ON content_checks (tenant_id, ad_id, created_at DESC, id);
CREATE INDEX content_checks_by_campaign ON content_checks (tenant_id, campaign_id, ad_id, created_at DESC, id);

-- A compliance officer's approval of a check's review findings in one market: it holds for that
-- check's exact text and pack versions, and for nothing else.
CREATE TABLE content_approvals (
    tenant_id   uuid NOT NULL,
    check_id    uuid NOT NULL,
    market      text NOT NULL CHECK (market ~ '^[A-Z]{2}$'),
    approved_by text NOT NULL CHECK (length(approved_by) BETWEEN 1 AND 200),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, check_id, market),
    FOREIGN KEY (tenant_id, check_id) REFERENCES content_checks (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE content_rule_packs ENABLE ROW LEVEL SECURITY;
ALTER TABLE content_rule_packs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content_rule_packs
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE content_glossaries ENABLE ROW LEVEL SECURITY;
ALTER TABLE content_glossaries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content_glossaries
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE content_checks ENABLE ROW LEVEL SECURITY;
ALTER TABLE content_checks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content_checks
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE content_approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE content_approvals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content_approvals
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON content_rule_packs TO tradewind_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON content_glossaries TO tradewind_app;
GRANT SELECT, INSERT ON content_checks TO tradewind_app;
GRANT SELECT, INSERT ON content_approvals TO tradewind_app;
