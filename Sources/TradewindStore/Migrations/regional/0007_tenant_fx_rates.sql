-- A tenant's own exchange rates (its bank's or its ERP's), loaded through Events.LoadExchangeRates.
-- Ingestion prefers them to the operator's fx_rates on the same day; not personal data.
CREATE TABLE tenant_fx_rates (
    tenant_id    uuid NOT NULL,
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    day          date NOT NULL,
    usd_per_unit numeric NOT NULL CHECK (usd_per_unit > 0),
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, currency, day)
);

ALTER TABLE tenant_fx_rates ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_fx_rates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_fx_rates
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, UPDATE ON tenant_fx_rates TO tradewind_app;
