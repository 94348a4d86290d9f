-- Issue 14: segments synced to the channels' customer lists, under consent.
-- status: 1 active, 2 paused, 3 stopping, 4 stopped. `reference` is stamped on the channel's
-- list, so a lost response never makes a second list.
CREATE TABLE audience_syncs (
    tenant_id          uuid NOT NULL,
    id                 uuid NOT NULL,
    segment_id         uuid NOT NULL,
    account_id         uuid NOT NULL,
    channel            smallint NOT NULL CHECK (channel BETWEEN 1 AND 4),
    status             smallint NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 4),
    reference          text NOT NULL CHECK (length(reference) BETWEEN 1 AND 64),
    list_id            text,
    list_name          text NOT NULL CHECK (length(list_name) BETWEEN 1 AND 200),
    members_sent       bigint NOT NULL DEFAULT 0,
    members_removed    bigint NOT NULL DEFAULT 0,
    last_run_at        timestamptz,
    last_error_code    text NOT NULL DEFAULT '',
    last_error_message text NOT NULL DEFAULT '' CHECK (length(last_error_message) <= 2000),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, reference),
    FOREIGN KEY (tenant_id, account_id) REFERENCES channel_accounts (tenant_id, id)
);
-- One live sync of a segment per account.
CREATE UNIQUE INDEX audience_syncs_live ON audience_syncs (tenant_id, segment_id, account_id) WHERE status <> 4;
CREATE INDEX audience_syncs_by_time ON audience_syncs (tenant_id, created_at DESC, id);

-- The hashes each synced list holds, as sent: a channel removes a member only by the hash it
-- was sent, so they are kept until it confirms the removal, then deleted. state: 1 on the list,
-- 2 removal owed. An erasure keeps a member's hashes as a removal owed with no contact
-- (contact_id NULL): the one trace an erasure leaves, gone once the channel confirms. No raw
-- identifier is ever kept here.
CREATE TABLE audience_sync_members (
    tenant_id            uuid NOT NULL,
    sync_id              uuid NOT NULL,
    id                   uuid NOT NULL,
    contact_id           uuid,
    email_sha256         text CHECK (email_sha256 ~ '^[0-9a-f]{64}$'),
    phone_sha256         text CHECK (phone_sha256 ~ '^[0-9a-f]{64}$'),
    state                smallint NOT NULL DEFAULT 1 CHECK (state BETWEEN 1 AND 2),
    sent_at              timestamptz NOT NULL DEFAULT now(),
    removal_requested_at timestamptz,
    PRIMARY KEY (tenant_id, sync_id, id),
    CHECK (email_sha256 IS NOT NULL OR phone_sha256 IS NOT NULL),
    CHECK ((state = 2) = (removal_requested_at IS NOT NULL)),
    FOREIGN KEY (tenant_id, sync_id) REFERENCES audience_syncs (tenant_id, id)
);
CREATE UNIQUE INDEX audience_sync_members_by_contact ON audience_sync_members (tenant_id, sync_id, contact_id)
    WHERE contact_id IS NOT NULL;
CREATE INDEX audience_sync_members_of_contact ON audience_sync_members (tenant_id, contact_id)
    WHERE contact_id IS NOT NULL;
CREATE INDEX audience_sync_members_owed ON audience_sync_members (tenant_id, sync_id, removal_requested_at)
    WHERE state = 2;

ALTER TABLE audience_syncs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audience_syncs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audience_syncs
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE audience_sync_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE audience_sync_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audience_sync_members
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, UPDATE ON audience_syncs TO tradewind_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON audience_sync_members TO tradewind_app;
