-- Issue 13: ad accounts linked on the channels, campaigns with their ad groups and ads, the
-- channels' daily figures, and the outbox every job to the outside world goes through.
-- Stored enums are pinned small integers (Core's storedCode): channel 1-4, objective 1-4,
-- campaign status 1 draft, 2 active, 3 paused, 4 archived.

-- Account status: 1 active, 2 needs re-authorisation, 3 unlinked. Credentials are sealed with
-- AES-GCM under a per-tenant key (Core's CredentialSealer) and destroyed on unlink.
CREATE TABLE channel_accounts (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL,
    channel           smallint NOT NULL CHECK (channel BETWEEN 1 AND 4),
    external_id       text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 40),
    marketplace_id    text NOT NULL DEFAULT '' CHECK (length(marketplace_id) <= 20),
    name              text NOT NULL DEFAULT '' CHECK (length(name) <= 400),
    currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    time_zone         text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    page_id           text NOT NULL DEFAULT '' CHECK (length(page_id) <= 64),
    status            smallint NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 3),
    status_reason     text NOT NULL DEFAULT '' CHECK (length(status_reason) <= 1000),
    sealed_credentials bytea CHECK ((status = 3) = (sealed_credentials IS NULL)),
    credential_fields text[] NOT NULL DEFAULT '{}',
    linked_at         timestamptz NOT NULL DEFAULT now(),
    metrics_synced_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
-- One live link per account; an unlinked account may be linked again.
CREATE UNIQUE INDEX channel_accounts_live ON channel_accounts (tenant_id, channel, external_id) WHERE status <> 3;
CREATE INDEX channel_accounts_by_time ON channel_accounts (tenant_id, linked_at DESC, id);

-- Sync state: 1 not published, 2 pending, 3 synced, 4 retrying, 5 failed. `version` is the etag.
-- `reference` is stamped on every object sent, so an ambiguous failure is resolved by looking
-- the object up on the channel instead of creating it again.
CREATE TABLE campaigns (
    tenant_id            uuid NOT NULL,
    id                   uuid NOT NULL,
    account_id           uuid NOT NULL,
    channel              smallint NOT NULL CHECK (channel BETWEEN 1 AND 4),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
    objective            smallint NOT NULL CHECK (objective BETWEEN 1 AND 4),
    status               smallint NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 4),
    budget_period        text NOT NULL CHECK (budget_period IN ('daily', 'lifetime')),
    budget_micros        bigint NOT NULL CHECK (budget_micros > 0),
    currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    bid_strategy         jsonb NOT NULL,
    start_day            date,
    end_day              date CHECK (end_day >= start_day),
    markets              text[] NOT NULL DEFAULT '{}',
    languages            text[] NOT NULL DEFAULT '{}',
    version              bigint NOT NULL DEFAULT 1,
    reference            text NOT NULL CHECK (length(reference) BETWEEN 1 AND 64),
    channel_campaign_id  text,
    published            jsonb,
    sync_state           smallint NOT NULL DEFAULT 1 CHECK (sync_state BETWEEN 1 AND 5),
    sync_operation       text NOT NULL DEFAULT '',
    sync_attempts        integer NOT NULL DEFAULT 0,
    sync_next_attempt_at timestamptz,
    sync_error_code      text NOT NULL DEFAULT '',
    sync_error_message   text NOT NULL DEFAULT '' CHECK (length(sync_error_message) <= 2000),
    synced_at            timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, reference),
    FOREIGN KEY (tenant_id, account_id) REFERENCES channel_accounts (tenant_id, id)
);
CREATE INDEX campaigns_by_time ON campaigns (tenant_id, created_at DESC, id);
CREATE INDEX campaigns_by_account ON campaigns (tenant_id, account_id);
CREATE INDEX campaigns_by_channel_id ON campaigns (tenant_id, channel, channel_campaign_id)
    WHERE channel_campaign_id IS NOT NULL;

CREATE TABLE ad_groups (
    tenant_id           uuid NOT NULL,
    id                  uuid NOT NULL,
    campaign_id         uuid NOT NULL,
    position            integer NOT NULL CHECK (position >= 0),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
    targeting           jsonb NOT NULL,
    default_bid_micros  bigint CHECK (default_bid_micros > 0),
    channel_ad_group_id text,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, campaign_id, position),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE ads (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    ad_group_id   uuid NOT NULL,
    position      integer NOT NULL CHECK (position >= 0),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
    creative      jsonb NOT NULL,
    channel_ad_id text,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, ad_group_id, position),
    FOREIGN KEY (tenant_id, ad_group_id) REFERENCES ad_groups (tenant_id, id) ON DELETE CASCADE
);

-- What the channel reported for a campaign's day, replaced (never added to) by every later pull.
-- Money in the account's currency and, converted at the day's rate, in the reporting currency
-- (NULL while that rate is missing).
CREATE TABLE channel_daily_metrics (
    tenant_id                    uuid NOT NULL,
    campaign_id                  uuid NOT NULL,
    day                          date NOT NULL,
    account_id                   uuid NOT NULL,
    channel                      smallint NOT NULL CHECK (channel BETWEEN 1 AND 4),
    channel_campaign_id          text NOT NULL,
    impressions                  bigint NOT NULL CHECK (impressions >= 0),
    clicks                       bigint NOT NULL CHECK (clicks >= 0),
    spend_micros                 bigint NOT NULL CHECK (spend_micros >= 0),
    currency                     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    conversions_milli            bigint NOT NULL CHECK (conversions_milli >= 0),
    conversion_value_micros      bigint NOT NULL CHECK (conversion_value_micros >= 0),
    reporting_currency           text NOT NULL CHECK (reporting_currency ~ '^[A-Z]{3}$'),
    spend_reporting_micros       bigint,
    conversion_value_reporting_micros bigint,
    pulled_at                    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, campaign_id, day),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX channel_daily_metrics_by_day ON channel_daily_metrics (tenant_id, day);

-- The outbox. One queue per destination (a channel account's publishing, its metric pulls, ...):
-- jobs of a queue run one at a time in `sequence` order, which `outbox_queues` hands out under a
-- row lock, so the order is the order of commits. Job state: 1 pending, 2 done, 3 failed,
-- 4 cancelled. A claim is a lease (`lease_owner`, `lease_expires_at`) taken with
-- FOR UPDATE SKIP LOCKED inside the tenant's transaction; an expired lease is claimable again.
CREATE TABLE outbox_queues (
    tenant_id     uuid NOT NULL,
    queue         text NOT NULL CHECK (length(queue) BETWEEN 1 AND 100),
    next_sequence bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, queue)
);

CREATE TABLE outbox_jobs (
    tenant_id          uuid NOT NULL,
    id                 uuid NOT NULL,
    queue              text NOT NULL,
    sequence           bigint NOT NULL,
    kind               text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    subject_id         uuid,
    payload            jsonb NOT NULL DEFAULT '{}',
    state              smallint NOT NULL DEFAULT 1 CHECK (state BETWEEN 1 AND 4),
    attempts           integer NOT NULL DEFAULT 0,
    due_at             timestamptz NOT NULL DEFAULT now(),
    lease_owner        uuid,
    lease_expires_at   timestamptz,
    last_error_code    text NOT NULL DEFAULT '',
    last_error_message text NOT NULL DEFAULT '' CHECK (length(last_error_message) <= 2000),
    created_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, queue, sequence),
    FOREIGN KEY (tenant_id, queue) REFERENCES outbox_queues (tenant_id, queue)
);
CREATE INDEX outbox_jobs_pending ON outbox_jobs (tenant_id, queue, sequence) WHERE state = 1;
CREATE INDEX outbox_jobs_by_subject ON outbox_jobs (tenant_id, subject_id) WHERE state = 1;

-- Idempotency keys of tenant mutations (CreateCampaign, PublishCampaign, LinkChannelAccount): a
-- retry with the same key within 24 hours gets the resource the first call made, a retry with the
-- same key and another request is refused. Kept in the tenant's region with what it points to.
CREATE TABLE tenant_idempotency_keys (
    tenant_id      uuid NOT NULL,
    principal_id   text NOT NULL,
    method         text NOT NULL,
    key_sha256     bytea NOT NULL,
    request_sha256 bytea NOT NULL,
    resource_id    uuid NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, principal_id, method, key_sha256)
);

-- The wake index: which tenants of this region have outbox work due, and from when. The one
-- deliberate exception to the tenant policy (the catalog test lists it): a worker must find due
-- work before it knows a tenant, so this table is readable without one. It holds a tenant id and
-- a time, nothing else: no payload, nothing personal, nothing about the work.
CREATE TABLE outbox_wake (
    tenant_id uuid PRIMARY KEY,
    due_at    timestamptz NOT NULL
);
CREATE INDEX outbox_wake_by_due ON outbox_wake (due_at);

ALTER TABLE channel_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON channel_accounts
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON campaigns
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE ad_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE ad_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ad_groups
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE ads ENABLE ROW LEVEL SECURITY;
ALTER TABLE ads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ads
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE channel_daily_metrics ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_daily_metrics FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON channel_daily_metrics
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE outbox_queues ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox_queues FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox_queues
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE outbox_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox_jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox_jobs
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE tenant_idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_idempotency_keys
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, UPDATE ON tenant_idempotency_keys TO tradewind_app;
GRANT SELECT, INSERT, UPDATE ON channel_accounts TO tradewind_app;
GRANT SELECT, INSERT, UPDATE ON campaigns TO tradewind_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ad_groups TO tradewind_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ads TO tradewind_app;
GRANT SELECT, INSERT, UPDATE ON channel_daily_metrics TO tradewind_app;
GRANT SELECT, INSERT, UPDATE ON outbox_queues TO tradewind_app;
GRANT SELECT, INSERT, UPDATE ON outbox_jobs TO tradewind_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_wake TO tradewind_app;
