-- A metric pull replaces the days it covers (a day the channel no longer reports is gone), so the
-- server's role deletes rows of channel_daily_metrics, within its tenant's policy like every write.
GRANT DELETE ON channel_daily_metrics TO tradewind_app;
