-- Marketing events, identity links, daily rollups, and the exchange rates money is converted with.
--
-- Events are deduplicated by the client's event_id per tenant (the primary key). Money keeps the
-- original amount and currency, plus the rate into the tenant's reporting currency on the day it
-- occurred and the converted amount. Rollups per tenant, local day, channel, campaign and country
-- are kept current in the transaction that stores the events, so KPIs never scan raw events.

CREATE TABLE events (
    tenant_id       uuid NOT NULL,
    event_id        text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 100),
    kind            text NOT NULL CHECK (kind IN ('identify', 'touchpoint', 'page_view', 'conversion')),
    occurred_at     timestamptz NOT NULL,
    received_at     timestamptz NOT NULL,
    -- The day in the tenant's time zone when the event happened.
    local_day       date NOT NULL,
    contact_id      uuid,
    anonymous_id    text,
    country         text CHECK (country ~ '^[A-Z]{2}$'),
    touch_type      text CHECK (touch_type IN ('impression', 'click')),
    channel         text CHECK (channel IN ('google_ads', 'meta', 'tiktok', 'amazon_ads', 'email', 'organic')),
    campaign_id     text,
    ad_set_id       text,
    creative_id     text,
    page_path       text,
    order_id        text,
    items           jsonb,
    amount_micros   bigint CHECK (amount_micros >= 0),
    currency        text CHECK (currency ~ '^[A-Z]{3}$'),
    fx_rate         numeric,
    reporting_micros bigint,
    PRIMARY KEY (tenant_id, event_id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE SET NULL (contact_id),
    CHECK ((amount_micros IS NULL) = (currency IS NULL))
);
CREATE INDEX events_by_contact ON events (tenant_id, contact_id, occurred_at) WHERE contact_id IS NOT NULL;
CREATE INDEX events_by_anonymous_id ON events (tenant_id, anonymous_id, occurred_at) WHERE anonymous_id IS NOT NULL;
CREATE INDEX events_by_time ON events (tenant_id, occurred_at);

-- Which anonymous ids belong to which contact, from identify events. Events are never rewritten:
-- a contact's history is its own events plus those of its linked anonymous ids.
CREATE TABLE identity_links (
    tenant_id    uuid NOT NULL,
    anonymous_id text NOT NULL,
    contact_id   uuid NOT NULL,
    linked_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, anonymous_id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX identity_links_by_contact ON identity_links (tenant_id, contact_id);

-- Daily counts and money (in the tenant's reporting currency) per channel, campaign and country.
-- Conversions carry no channel: they count under channel '' until attribution assigns them.
CREATE TABLE event_daily_rollups (
    tenant_id        uuid NOT NULL,
    local_day        date NOT NULL,
    channel          text NOT NULL,
    campaign_id      text NOT NULL,
    country          text NOT NULL,
    impressions      bigint NOT NULL DEFAULT 0,
    clicks           bigint NOT NULL DEFAULT 0,
    page_views       bigint NOT NULL DEFAULT 0,
    conversions      bigint NOT NULL DEFAULT 0,
    spend_micros     bigint NOT NULL DEFAULT 0,
    revenue_micros   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, local_day, channel, campaign_id, country)
);

-- US dollars per unit of a currency on a day, loaded by operators (`tradewind fx load FILE.csv`)
-- into every region. Not tenant data: no tenant_id, and the app role may only read it.
CREATE TABLE fx_rates (
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    day          date NOT NULL,
    usd_per_unit numeric NOT NULL CHECK (usd_per_unit > 0),
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (currency, day)
);

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON events
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE identity_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE identity_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON identity_links
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE event_daily_rollups ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_daily_rollups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_daily_rollups
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON events TO tradewind_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON identity_links TO tradewind_app;
GRANT SELECT, INSERT, UPDATE ON event_daily_rollups TO tradewind_app;
GRANT SELECT ON fx_rates TO tradewind_app;
