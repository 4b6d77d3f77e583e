-- The service's database and its four roles, with explicit grants. Run once per environment by
-- a database administrator (not the service, not the migration Job), with psql:
--
--   psql "postgres://admin@db.internal:5432/postgres?sslmode=verify-full" -v ON_ERROR_STOP=1 \
--     -v migrator_password="$(cat migrator.pw)" -v app_password="$(cat app.pw)" \
--     -v readonly_password="$(cat readonly.pw)" -f deploy/sql/roles.sql
--
-- service_owner     owns the schema and every table; nobody logs in as it
-- service_migrator  logs in for `npm run migrate` (the migration Job) and acts as the owner: DDL
-- service_app       the running service: SELECT, INSERT, UPDATE, DELETE on its tables, nothing else
--                   (no CREATE, no DROP, no ALTER, not a superuser); SELECT only on the
--                   migrations table, for the start-up schema-version check
-- service_readonly  reports and support: SELECT only
--
-- Rotate a password with ALTER ROLE service_app PASSWORD '…' and then update the Secret the
-- service reads DATABASE_PASSWORD_FILE from (see the README).

CREATE ROLE service_owner NOLOGIN;
CREATE ROLE service_migrator LOGIN PASSWORD :'migrator_password' IN ROLE service_owner;
-- Objects the migrator creates belong to the owner, not to the migrator's login.
ALTER ROLE service_migrator SET role = 'service_owner';
CREATE ROLE service_app LOGIN PASSWORD :'app_password';
CREATE ROLE service_readonly LOGIN PASSWORD :'readonly_password';

CREATE DATABASE service OWNER service_owner;
\connect service

REVOKE ALL ON DATABASE service FROM PUBLIC;
GRANT CONNECT ON DATABASE service TO service_migrator, service_app, service_readonly;

-- Only the owner creates objects; the others may use the schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO service_owner;
GRANT USAGE ON SCHEMA public TO service_app, service_readonly;

-- Every table and sequence the migrations create (as the owner) gets exactly these grants.
ALTER DEFAULT PRIVILEGES FOR ROLE service_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO service_app;
ALTER DEFAULT PRIVILEGES FOR ROLE service_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO service_app;
ALTER DEFAULT PRIVILEGES FOR ROLE service_owner IN SCHEMA public
  GRANT SELECT ON TABLES TO service_readonly;

-- The migrations table, created here as `bulwark-migrate` would create it, so that the app role
-- can read the schema version but never record one: it gets SELECT and nothing else.
SET ROLE service_owner;
CREATE TABLE IF NOT EXISTS bulwark_schema_migrations (
  version bigint PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
RESET ROLE;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON bulwark_schema_migrations FROM service_app;
GRANT SELECT ON bulwark_schema_migrations TO service_app, service_readonly;
