-- Bootstrap of a regional cluster (eu, us, cn, sg; database `tradewind`).
--
-- Run by scripts/lib/pg.sh as the cluster superuser over the unix socket with
-- ON_ERROR_STOP, after `\set migrator_password '...'` and
-- `\set app_password '...'`. Idempotent: every statement may run again.
-- Passwords are (re)set on every run so that a changed secrets.env takes effect.
-- Table-level grants, RLS policies and the audit triggers are not here: the
-- migrations (run as tradewind_migrator, which owns the schema) create them.

-- Roles. CREATE ROLE has no IF NOT EXISTS; \gexec runs the statement only when
-- the SELECT returns it. psql variables are not expanded inside DO blocks, so the
-- attributes and the password are set by a plain ALTER ROLE afterwards.
SELECT 'CREATE ROLE tradewind_migrator'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradewind_migrator') \gexec
ALTER ROLE tradewind_migrator WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION
    PASSWORD :'migrator_password';

-- The server's login: subject to RLS (NOBYPASSRLS), owns nothing.
SELECT 'CREATE ROLE tradewind_app'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradewind_app') \gexec
ALTER ROLE tradewind_app WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION
    PASSWORD :'app_password';

-- Read-only access to audit tables, granted by the migrations; no login of its own.
SELECT 'CREATE ROLE tradewind_auditor'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradewind_auditor') \gexec
ALTER ROLE tradewind_auditor WITH NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;

-- CREATE DATABASE cannot run inside a DO block (nor a transaction): \gexec again.
SELECT 'CREATE DATABASE tradewind OWNER tradewind_migrator ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'tradewind') \gexec
ALTER DATABASE tradewind OWNER TO tradewind_migrator;
REVOKE ALL ON DATABASE tradewind FROM PUBLIC;
GRANT CONNECT ON DATABASE tradewind TO tradewind_app;

-- The server's roles connect to their own database only: by default PUBLIC may
-- connect to the maintenance databases too, which would let them list roles
-- and databases there.
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;

\connect tradewind
-- Nobody but the owner creates objects in public; the owner is the migrator.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO tradewind_migrator;
GRANT USAGE ON SCHEMA public TO tradewind_app, tradewind_auditor;
