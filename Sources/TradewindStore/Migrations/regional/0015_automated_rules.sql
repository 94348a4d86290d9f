-- Issue 14: automated rules ("pause when CPC > $2"), their runs and the actions they took.
-- A rule's spec is Core's `AutomatedRule` as JSON; status 1 enabled, 2 disabled. `version` is
-- the etag. Evaluations are outbox jobs in the rule's own queue (`rules:<rule id>`), so a crash
-- neither loses nor repeats one.
CREATE TABLE automated_rules (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    spec         jsonb NOT NULL,
    status       smallint NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 2),
    version      bigint NOT NULL DEFAULT 1,
    next_run_at  timestamptz,
    last_run_at  timestamptz,
    created_by   text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX automated_rules_by_time ON automated_rules (tenant_id, created_at DESC, id);

-- One evaluation of a rule. trigger: 'schedule', 'metric_sync' or 'manual'. status: 1 done,
-- 2 failed (error says why). `scheduled_for` is the slot the run was due at: an evaluation job
-- that runs again after a crash finds its run and acts no further.
CREATE TABLE rule_runs (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL,
    rule_id          uuid NOT NULL,
    trigger          text NOT NULL CHECK (trigger IN ('schedule', 'metric_sync', 'manual')),
    scheduled_for    timestamptz NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    rule_version     bigint NOT NULL,
    entities_checked integer NOT NULL DEFAULT 0 CHECK (entities_checked >= 0),
    entities_matched integer NOT NULL DEFAULT 0 CHECK (entities_matched >= 0),
    status           smallint NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 2),
    error            text NOT NULL DEFAULT '' CHECK (length(error) <= 2000),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, rule_id, scheduled_for),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES automated_rules (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX rule_runs_by_rule ON rule_runs (tenant_id, rule_id, started_at DESC, id);

-- What a run did, or decided not to do, to one entity. outcome: 'queued' (a job is in the
-- campaign's publish queue), 'notified', or 'skipped' (reason says why: at the floor, the daily
-- cap, Meta's four budget changes an hour, already paused ...). `account_day` is the day of the
-- entity's ad account the run saw, which the daily cap counts in. `observed` is what each
-- condition saw, the values that fired the action.
CREATE TABLE rule_actions (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    rule_id       uuid NOT NULL,
    run_id        uuid NOT NULL,
    entity_id     uuid NOT NULL,
    account_day   date NOT NULL,
    action        text NOT NULL CHECK (action IN ('pause', 'resume', 'change_budget', 'notify')),
    outcome       text NOT NULL CHECK (outcome IN ('queued', 'notified', 'skipped')),
    reason        text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    before_micros bigint,
    after_micros  bigint,
    observed      jsonb NOT NULL DEFAULT '[]',
    job_id        uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    -- At most once per entity per evaluation.
    UNIQUE (tenant_id, run_id, entity_id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES rule_runs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX rule_actions_by_entity_day ON rule_actions (tenant_id, rule_id, entity_id, account_day)
    WHERE outcome = 'queued';

ALTER TABLE automated_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE automated_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON automated_rules
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE rule_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE rule_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON rule_runs
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE rule_actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE rule_actions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON rule_actions
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON automated_rules TO tradewind_app;
GRANT SELECT, INSERT, UPDATE ON rule_runs TO tradewind_app;
GRANT SELECT, INSERT ON rule_actions TO tradewind_app;
