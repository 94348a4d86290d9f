-- Issue 14: Google's offline user data jobs and Amazon's records jobs apply an upload later, or
-- not at all, and that holds for additions as for removals (0022). A member sent in such a job
-- keeps the jobs' names in `addition_jobs` until every one reads as succeeded; a failed job makes
-- the member a candidate again (its row is deleted, nothing having reached the list), so the next
-- step sends it again. Counted apart from the members on the list through its own partial index.
ALTER TABLE audience_sync_members ADD COLUMN addition_jobs text[];
ALTER TABLE audience_sync_members ADD CONSTRAINT audience_sync_members_addition_jobs
    CHECK (addition_jobs IS NULL OR cardinality(addition_jobs) > 0);
CREATE INDEX audience_sync_members_adding ON audience_sync_members (tenant_id, sync_id)
    WHERE addition_jobs IS NOT NULL;
