-- Per-person journeys for attribution: every touchpoint and conversion of a person packed into
-- one row, so attribution reads about a row per person instead of grouping every event by person
-- (about 10 s of PostgreSQL's time for 10 million events).
--
-- A person is 'c:' || contact id for events with a contact, else 'a:' || anonymous id; identity
-- links are applied when journeys are read, so an identify never rewrites them. Each event is one
-- int8 in `touches`: milliseconds since 1970 * 16 + 8 for a click + its channel's code (1-6, in
-- JourneyRepository.channels order; 0 for a conversion); `revenues` holds, at the same position,
-- the conversion's revenue in reporting micros (0 for a touchpoint).
--
-- Ingestion appends one journey_deltas row per batch in the batch's own transaction (insert-only,
-- so batches never wait on each other); the rollup folder moves them into journeys. Readers and
-- data-subject exports read journeys and pending deltas in one snapshot; retention and erasure
-- fold first, under the tenant's journey lock (JourneyRepository).
CREATE TABLE journey_deltas (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    persons   text[] NOT NULL,
    touches   int8[] NOT NULL,
    revenues  int8[] NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK (cardinality(persons) = cardinality(touches) AND cardinality(touches) = cardinality(revenues))
);

CREATE TABLE journeys (
    tenant_id uuid NOT NULL,
    person    text NOT NULL,
    touches   int8[] NOT NULL,
    revenues  int8[] NOT NULL,
    PRIMARY KEY (tenant_id, person),
    CHECK (cardinality(touches) = cardinality(revenues))
);

-- A tenant's journeys were built from its events at built_at: events stored before this table
-- existed are included from then on (JourneyRepository.ensureBuilt).
CREATE TABLE journey_index_state (
    tenant_id uuid NOT NULL PRIMARY KEY,
    built_at  timestamptz NOT NULL
);

ALTER TABLE journey_deltas ENABLE ROW LEVEL SECURITY;
ALTER TABLE journey_deltas FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON journey_deltas
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE journeys ENABLE ROW LEVEL SECURITY;
ALTER TABLE journeys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON journeys
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE journey_index_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE journey_index_state FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON journey_index_state
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, DELETE ON journey_deltas TO tradewind_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON journeys TO tradewind_app;
GRANT SELECT, INSERT ON journey_index_state TO tradewind_app;
