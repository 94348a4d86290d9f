-- Control plane: tenants and their credentials. No personal data of data subjects lives here.
-- These tables are not tenant-scoped by RLS: a credential is looked up before any tenant is known.

CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' AND length(slug) BETWEEN 3 AND 40),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    home_region text NOT NULL CHECK (home_region ~ '^[a-z]{2,16}$'),
    plan        text NOT NULL,
    status      text NOT NULL CHECK (status IN ('active', 'suspended')),
    settings    jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A tenant's home region is fixed for its lifetime: moving it would move personal data across borders.
CREATE FUNCTION tenants_home_region_is_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.home_region <> OLD.home_region THEN
        RAISE EXCEPTION 'home region of tenant % cannot change', OLD.slug USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tenants_home_region_is_fixed BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_home_region_is_fixed();

-- API keys: only the SHA-256 of the secret is kept. Operator keys have no tenant.
CREATE TABLE api_keys (
    key_id        text PRIMARY KEY CHECK (key_id ~ '^[a-z2-7]{16}$'),
    tenant_id     uuid REFERENCES tenants (id),
    role          text NOT NULL CHECK (role IN ('owner', 'admin', 'marketer', 'analyst', 'compliance_officer', 'operator')),
    label         text NOT NULL DEFAULT '',
    secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    CHECK ((role = 'operator') = (tenant_id IS NULL))
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at DESC, key_id DESC);

-- mTLS principals, identified by the SHA-256 of the certificate's SubjectPublicKeyInfo.
CREATE TABLE client_certificates (
    spki_sha256 text PRIMARY KEY CHECK (spki_sha256 ~ '^[0-9a-f]{64}$'),
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'marketer', 'analyst', 'compliance_officer')),
    label       text NOT NULL DEFAULT '',
    subject     text NOT NULL DEFAULT '',
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX client_certificates_by_tenant ON client_certificates (tenant_id, created_at DESC);

-- Results of non-idempotent mutations, so that a retry with the same idempotency key returns the
-- first result. The key itself is stored only as a hash, and a result holding a secret is sealed
-- with a key derived from the idempotency key (see IdempotencyStore).
CREATE TABLE idempotency_records (
    principal_id  text NOT NULL,
    method        text NOT NULL,
    key_sha256    bytea NOT NULL CHECK (length(key_sha256) = 32),
    request_sha256 bytea NOT NULL CHECK (length(request_sha256) = 32),
    sealed_result bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, method, key_sha256)
);
CREATE INDEX idempotency_records_by_age ON idempotency_records (created_at);

-- The server's role gets only what it needs.
GRANT SELECT, INSERT, UPDATE (name, plan, status, settings, updated_at) ON tenants TO tradewind_control;
GRANT SELECT, INSERT, UPDATE (revoked_at, last_used_at) ON api_keys TO tradewind_control;
GRANT SELECT, INSERT ON client_certificates TO tradewind_control;
GRANT SELECT, INSERT, DELETE ON idempotency_records TO tradewind_control;
