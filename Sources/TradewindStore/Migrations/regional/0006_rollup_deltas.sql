-- Partial rollups per ingested batch, insert-only: concurrent batches never wait on each other's
-- rollup rows. A background job folds them into event_daily_rollups; readers use
-- event_daily_totals, which adds both, so the totals are current the moment a batch commits.
CREATE TABLE event_rollup_deltas (
    tenant_id      uuid NOT NULL,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    local_day      date NOT NULL,
    channel        text NOT NULL,
    campaign_id    text NOT NULL,
    country        text NOT NULL,
    impressions    bigint NOT NULL,
    clicks         bigint NOT NULL,
    page_views     bigint NOT NULL,
    conversions    bigint NOT NULL,
    spend_micros   bigint NOT NULL,
    revenue_micros bigint NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

ALTER TABLE event_rollup_deltas ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_rollup_deltas FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_rollup_deltas
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

CREATE VIEW event_daily_totals WITH (security_invoker = true) AS
SELECT tenant_id, local_day, channel, campaign_id, country,
       sum(impressions)::bigint AS impressions, sum(clicks)::bigint AS clicks,
       sum(page_views)::bigint AS page_views, sum(conversions)::bigint AS conversions,
       sum(spend_micros)::bigint AS spend_micros, sum(revenue_micros)::bigint AS revenue_micros
FROM (
    SELECT tenant_id, local_day, channel, campaign_id, country, impressions, clicks, page_views, conversions,
           spend_micros, revenue_micros
    FROM event_daily_rollups
    UNION ALL
    SELECT tenant_id, local_day, channel, campaign_id, country, impressions, clicks, page_views, conversions,
           spend_micros, revenue_micros
    FROM event_rollup_deltas
) AS parts
GROUP BY tenant_id, local_day, channel, campaign_id, country;

GRANT SELECT, INSERT, DELETE ON event_rollup_deltas TO tradewind_app;
GRANT SELECT ON event_daily_totals TO tradewind_app;
