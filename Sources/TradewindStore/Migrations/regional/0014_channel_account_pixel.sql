-- Meta optimises sales and leads ad sets for a pixel (`promoted_object.pixel_id`): the link keeps
-- the pixel the tenant chose, as it keeps the page its ads run as.
ALTER TABLE channel_accounts
    ADD COLUMN pixel_id text NOT NULL DEFAULT '' CHECK (length(pixel_id) <= 64);
