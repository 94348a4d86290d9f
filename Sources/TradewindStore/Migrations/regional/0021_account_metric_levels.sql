-- The levels (campaign, ad_group, ad) an account's last complete metric pull covered. Rules on ad
-- groups or ads only look at accounts whose figures at that level have been pulled: before the
-- first such pull there are no rows at all, and a missing figure must not read as zero spend.
ALTER TABLE channel_accounts ADD COLUMN metric_levels text[] NOT NULL DEFAULT '{campaign}';
