-- Journeys pack a channel in 6 bits instead of 3, under each channel's pinned code
-- (Channel.storedCode, TradewindCore.PackedTouch), so that up to 63 channels fit and adding one
-- never changes what a stored journey means. A packed touch was
--     milliseconds * 16  + 8 for a click  + code (1-6; 0 a conversion)
-- and becomes
--     milliseconds * 128 + 64 for a click + code.
-- The codes 1-6 were the channels' positions in the old list and are pinned to the same numbers,
-- so only the packing changes. A new channel is one migration (its code and the events.channel
-- check) plus its connector.
--
-- The tables force row-level security on their owner too; rewriting every tenant's rows needs it
-- off, for this transaction only: a migration is one transaction, and ALTER TABLE holds its lock
-- until the commit, so no other session ever sees the tables without it.
ALTER TABLE journeys NO FORCE ROW LEVEL SECURITY;
ALTER TABLE journey_deltas NO FORCE ROW LEVEL SECURITY;

UPDATE journeys SET
    touches = ARRAY(SELECT (t >> 4) * 128 + ((t >> 3) & 1) * 64 + (t & 7)
                    FROM unnest(touches) WITH ORDINALITY AS u(t, i) ORDER BY i),
    oldest = (oldest >> 4) * 128 + ((oldest >> 3) & 1) * 64 + (oldest & 7);

UPDATE journey_deltas SET
    touches = ARRAY(SELECT (t >> 4) * 128 + ((t >> 3) & 1) * 64 + (t & 7)
                    FROM unnest(touches) WITH ORDINALITY AS u(t, i) ORDER BY i);

ALTER TABLE journeys FORCE ROW LEVEL SECURITY;
ALTER TABLE journey_deltas FORCE ROW LEVEL SECURITY;
