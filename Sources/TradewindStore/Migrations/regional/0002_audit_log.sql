-- The audit log: one hash chain per tenant, in the tenant's home region.
--
-- A record's body is its canonical JSON line without the hash; hash = SHA-256(previous hash ‖ body),
-- starting from 32 zero bytes (TradewindAudit.AuditChain does the same arithmetic, and the offline
-- verifier checks it). The columns beside the body only serve queries. control/0002 keeps the
-- platform log with the same definitions; change both together.

CREATE TABLE audit_records (
    tenant_id    uuid NOT NULL,
    seq          bigint NOT NULL CHECK (seq > 0),
    recorded_at  timestamptz NOT NULL,
    request_id   text NOT NULL,
    principal_id text NOT NULL,
    method       text NOT NULL,
    code         smallint NOT NULL,
    resources    text[] NOT NULL,
    body         text NOT NULL,
    hash         bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_records_by_time ON audit_records (tenant_id, recorded_at, seq);
CREATE INDEX audit_records_by_principal ON audit_records (tenant_id, principal_id, seq);
CREATE INDEX audit_records_by_resource ON audit_records USING gin (resources);

-- Signed checkpoints of a chain's head; `line` is the exported line, signatures included.
CREATE TABLE audit_checkpoints (
    tenant_id uuid NOT NULL,
    seq       bigint NOT NULL CHECK (seq > 0),
    key_id    text NOT NULL,
    signed_at timestamptz NOT NULL,
    line      text NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- Appends records to the caller's chain and returns the last sequence number.
--
-- The transaction-scoped advisory lock makes writers of one chain take turns until they commit,
-- so each reads the head its predecessor committed: the sequence stays gapless and the chain
-- linear. The primary key would refuse a duplicate anyway. SECURITY INVOKER: row-level security
-- applies, so a caller can only extend the chain of the tenant its transaction is set to.
CREATE FUNCTION audit_append(p_tenant uuid, p_fields text[]) RETURNS bigint
LANGUAGE plpgsql SECURITY INVOKER SET search_path = public AS $$
DECLARE
    v_seq    bigint;
    v_hash   bytea;
    v_fields text;
    v_body   text;
    v_json   jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('tradewind.audit.' || p_tenant::text, 0));
    SELECT seq, hash INTO v_seq, v_hash FROM audit_records WHERE tenant_id = p_tenant ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        v_seq := 0;
        v_hash := decode(repeat('00', 32), 'hex');
    END IF;
    FOREACH v_fields IN ARRAY p_fields LOOP
        v_seq := v_seq + 1;
        v_body := '{"type":"record","seq":' || v_seq || ',' || v_fields;
        v_hash := sha256(v_hash || convert_to(v_body, 'UTF8'));
        v_json := v_body::jsonb;
        INSERT INTO audit_records
            (tenant_id, seq, recorded_at, request_id, principal_id, method, code, resources, body, hash)
        VALUES (
            p_tenant, v_seq, (v_json->>'time')::timestamptz, v_json->>'request_id',
            coalesce(v_json->'principal'->>'id', ''), v_json->>'method', (v_json->>'code')::smallint,
            ARRAY(SELECT jsonb_array_elements_text(v_json->'resources')), v_body, v_hash);
    END LOOP;
    RETURN v_seq;
END $$;

-- Append-only for every role, the owner included: UPDATE, DELETE and TRUNCATE raise. ENABLE
-- ALWAYS keeps the trigger firing under session_replication_role = replica too.
CREATE FUNCTION audit_reject_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();
ALTER TABLE audit_records ENABLE ALWAYS TRIGGER append_only;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER append_only;

ALTER TABLE audit_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_records
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_checkpoints
    USING (tenant_id = current_setting('tradewind.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('tradewind.tenant_id')::uuid);

GRANT SELECT, INSERT ON audit_records, audit_checkpoints TO tradewind_app;
GRANT SELECT ON audit_records, audit_checkpoints TO tradewind_auditor;
REVOKE ALL ON FUNCTION audit_append(uuid, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append(uuid, text[]) TO tradewind_app;
