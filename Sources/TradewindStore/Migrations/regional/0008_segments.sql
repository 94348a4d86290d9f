-- Segments: named lists of contacts, each for one consent purpose. Membership is kept as added;
-- readers join the current consent (contact_consents), so a withdrawal takes a member out of
-- every segment for that purpose at once, without rewriting memberships.
CREATE TABLE segments (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    purpose     text NOT NULL CHECK (purpose IN ('email_marketing', 'ad_personalisation', 'analytics')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

-- Personal data: a data subject's export lists these rows and an erasure deletes them (and
-- deleting the contact or the segment takes them too).
CREATE TABLE segment_memberships (
    tenant_id  uuid NOT NULL,
    segment_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, segment_id, contact_id),
    FOREIGN KEY (tenant_id, segment_id) REFERENCES segments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX segment_memberships_by_contact ON segment_memberships (tenant_id, contact_id);
CREATE INDEX segment_memberships_by_time ON segment_memberships (tenant_id, segment_id, added_at, contact_id);

ALTER TABLE segments ENABLE ROW LEVEL SECURITY;
ALTER TABLE segments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON segments
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE segment_memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE segment_memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON segment_memberships
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, DELETE ON segments TO tradewind_app;
GRANT SELECT, INSERT, DELETE ON segment_memberships TO tradewind_app;
