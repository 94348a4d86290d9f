-- Consent grants and withdrawals may arrive as events: they are kept in the events table (for
-- deduplication by event_id and the subject's history) and appended to the consent ledger.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('identify', 'touchpoint', 'page_view', 'conversion', 'consent'));
