-- Where a sync's pass that ran out of time left off (a contact id), kept on the sync, never in a
-- job's payload: outbox jobs are kept after they finish, and an erasure must be able to clear it.
ALTER TABLE audience_syncs ADD COLUMN resume_after uuid;
