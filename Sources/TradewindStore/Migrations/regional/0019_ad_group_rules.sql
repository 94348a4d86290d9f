-- Automated rules act on ad groups too (Meta's and TikTok's ad sets and ad groups): each ad group
-- keeps its own status, which a rule may pause and resume whatever its campaign's is, and the
-- channels' daily figures are kept per ad group as well as per campaign.

-- CampaignStatus' stored codes: 2 active, 3 paused.
ALTER TABLE ad_groups ADD COLUMN status smallint NOT NULL DEFAULT 2 CHECK (status IN (2, 3));

-- What the channel reported for an ad group's day, replaced (never added to) by every later pull,
-- like channel_daily_metrics. Money in the account's currency only: rules convert their
-- thresholds at each day's rate.
CREATE TABLE channel_ad_group_daily_metrics (
    tenant_id               uuid NOT NULL,
    ad_group_id             uuid NOT NULL,
    day                     date NOT NULL,
    campaign_id             uuid NOT NULL,
    account_id              uuid NOT NULL,
    channel                 smallint NOT NULL CHECK (channel BETWEEN 1 AND 4),
    channel_ad_group_id     text NOT NULL,
    impressions             bigint NOT NULL CHECK (impressions >= 0),
    clicks                  bigint NOT NULL CHECK (clicks >= 0),
    spend_micros            bigint NOT NULL CHECK (spend_micros >= 0),
    currency                text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    conversions_milli       bigint NOT NULL CHECK (conversions_milli >= 0),
    conversion_value_micros bigint NOT NULL CHECK (conversion_value_micros >= 0),
    pulled_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, ad_group_id, day),
    FOREIGN KEY (tenant_id, ad_group_id) REFERENCES ad_groups (tenant_id, id) ON DELETE CASCADE
);
-- A pull replaces an account's days.
CREATE INDEX channel_ad_group_daily_metrics_by_account ON channel_ad_group_daily_metrics (tenant_id, account_id, day);

ALTER TABLE channel_ad_group_daily_metrics ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_ad_group_daily_metrics FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON channel_ad_group_daily_metrics
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, DELETE ON channel_ad_group_daily_metrics TO tradewind_app;

-- Rules' actions name ad groups as well as campaigns.
ALTER TABLE rule_actions ADD COLUMN entity_level text NOT NULL DEFAULT 'campaign'
    CHECK (entity_level IN ('campaign', 'ad_group'));
-- An ad group's campaign, so a run history names both (NULL on a campaign's own actions).
ALTER TABLE rule_actions ADD COLUMN campaign_id uuid;
