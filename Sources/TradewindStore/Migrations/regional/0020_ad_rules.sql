-- Automated rules act on ads too: each ad keeps its own status, which a rule may pause and
-- resume, and the channels' daily figures are kept per ad (Amazon: per product ad).

-- CampaignStatus' stored codes: 2 active, 3 paused.
ALTER TABLE ads ADD COLUMN status smallint NOT NULL DEFAULT 2 CHECK (status IN (2, 3));

-- What the channel reported for an ad's day, replaced by every later pull, as
-- channel_ad_group_daily_metrics is.
CREATE TABLE channel_ad_daily_metrics (
    tenant_id               uuid NOT NULL,
    ad_id                   uuid NOT NULL,
    day                     date NOT NULL,
    ad_group_id             uuid NOT NULL,
    campaign_id             uuid NOT NULL,
    account_id              uuid NOT NULL,
    channel                 smallint NOT NULL CHECK (channel BETWEEN 1 AND 4),
    channel_ad_id           text NOT NULL,
    impressions             bigint NOT NULL CHECK (impressions >= 0),
    clicks                  bigint NOT NULL CHECK (clicks >= 0),
    spend_micros            bigint NOT NULL CHECK (spend_micros >= 0),
    currency                text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    conversions_milli       bigint NOT NULL CHECK (conversions_milli >= 0),
    conversion_value_micros bigint NOT NULL CHECK (conversion_value_micros >= 0),
    pulled_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, ad_id, day),
    FOREIGN KEY (tenant_id, ad_id) REFERENCES ads (tenant_id, id) ON DELETE CASCADE
);
-- A pull replaces an account's days.
CREATE INDEX channel_ad_daily_metrics_by_account ON channel_ad_daily_metrics (tenant_id, account_id, day);

ALTER TABLE channel_ad_daily_metrics ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_ad_daily_metrics FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON channel_ad_daily_metrics
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, DELETE ON channel_ad_daily_metrics TO tradewind_app;

ALTER TABLE rule_actions DROP CONSTRAINT rule_actions_entity_level_check;
ALTER TABLE rule_actions ADD CONSTRAINT rule_actions_entity_level_check
    CHECK (entity_level IN ('campaign', 'ad_group', 'ad'));
