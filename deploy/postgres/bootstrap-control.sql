-- Bootstrap of the control-plane cluster (database `control`).
--
-- Run by scripts/lib/pg.sh as the cluster superuser over the unix socket with
-- ON_ERROR_STOP, after `\set migrator_password '...'` and
-- `\set control_password '...'`. Idempotent: every statement may run again.
-- Passwords are (re)set on every run so that a changed secrets.env takes effect.
-- Table-level grants are not here: the migrations (run as tradewind_migrator) own
-- the tables and grant on them.

-- Roles. CREATE ROLE has no IF NOT EXISTS; \gexec runs the statement only when
-- the SELECT returns it. psql variables are not expanded inside DO blocks, so the
-- attributes and the password are set by a plain ALTER ROLE afterwards.
SELECT 'CREATE ROLE tradewind_migrator'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradewind_migrator') \gexec
ALTER ROLE tradewind_migrator WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION
    PASSWORD :'migrator_password';

-- The server's control-plane login: owns nothing, gets table grants from migrations.
SELECT 'CREATE ROLE tradewind_control'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradewind_control') \gexec
ALTER ROLE tradewind_control WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION
    PASSWORD :'control_password';

-- CREATE DATABASE cannot run inside a DO block (nor a transaction): \gexec again.
SELECT 'CREATE DATABASE control OWNER tradewind_migrator ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'control') \gexec
ALTER DATABASE control OWNER TO tradewind_migrator;
REVOKE ALL ON DATABASE control FROM PUBLIC;
GRANT CONNECT ON DATABASE control TO tradewind_control;

-- The server's roles connect to their own database only: by default PUBLIC may
-- connect to the maintenance databases too, which would let them list roles
-- and databases there.
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;

\connect control
-- Nobody but the owner creates objects in public; the owner is the migrator.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO tradewind_migrator;
GRANT USAGE ON SCHEMA public TO tradewind_control;
