-- Rules may change a campaign's bid (CHANGE_BID): its cap per click or target cost per action,
-- and its ad groups' own default bids.
ALTER TABLE rule_actions DROP CONSTRAINT rule_actions_action_check;
ALTER TABLE rule_actions ADD CONSTRAINT rule_actions_action_check
    CHECK (action IN ('pause', 'resume', 'change_budget', 'change_bid', 'notify'));
