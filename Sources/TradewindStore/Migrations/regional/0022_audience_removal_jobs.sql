-- Google's offline user data jobs and Amazon's records jobs apply a removal later, or not at all:
-- the channel confirms it only when each job reads as succeeded. state 3: removal sent, awaiting
-- that confirmation; `removal_jobs` names the channel's jobs that carry it. The hashes stay until
-- every job succeeded (then the row is deleted); a failed job makes the removal owed again.
ALTER TABLE audience_sync_members ADD COLUMN removal_jobs text[];
ALTER TABLE audience_sync_members DROP CONSTRAINT audience_sync_members_state_check;
ALTER TABLE audience_sync_members DROP CONSTRAINT audience_sync_members_check1;
ALTER TABLE audience_sync_members ADD CONSTRAINT audience_sync_members_state_check CHECK (state BETWEEN 1 AND 3);
ALTER TABLE audience_sync_members ADD CONSTRAINT audience_sync_members_removal_requested
    CHECK ((state >= 2) = (removal_requested_at IS NOT NULL));
ALTER TABLE audience_sync_members ADD CONSTRAINT audience_sync_members_removal_jobs
    CHECK ((state = 3) = (removal_jobs IS NOT NULL AND cardinality(removal_jobs) > 0));
-- Counted and aged apart from the owed ones (`state = 2`), each through its own partial index.
CREATE INDEX audience_sync_members_awaiting ON audience_sync_members (tenant_id, sync_id, removal_requested_at)
    WHERE state = 3;
