-- Table privileges of the portal's database roles (seed 004 第12条2項; docs/access-records.md).
--
-- Applied by `python manage.py grant_database_roles` (portal/audit/roles.py), connected as the owner of
-- the tables, after every `migrate` (compose: the migrate service), so that the tables a migration adds
-- are covered too. Idempotent. {app_role} and {archiver_role} are filled in as quoted identifiers.

GRANT USAGE ON SCHEMA public TO {app_role}, {archiver_role};

-- The app (web server, Celery worker, beat): reads and writes the portal's tables ...
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app_role};
-- ... but only appends access records: no UPDATE, DELETE or TRUNCATE, no archive checkpoint ...
REVOKE UPDATE, DELETE, TRUNCATE ON audit_accessrecord, audit_accessarchive FROM {app_role};
REVOKE INSERT ON audit_accessarchive FROM {app_role};
-- ... except clearing actor_id, Django's SET_NULL when a user is deleted (the trigger allows nothing else);
GRANT UPDATE (actor_id) ON audit_accessrecord TO {app_role};
-- and it leaves the migration history to the owner.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {app_role};

-- The archiver (archive_access_records, the `archiver` worker): the access records and nothing else.
GRANT SELECT, INSERT ON audit_accessrecord, audit_accessarchive TO {archiver_role};
GRANT SELECT, INSERT, UPDATE ON audit_accesschainhead TO {archiver_role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {archiver_role};
-- The one way to remove records: the owner's purge function, which deletes only what a matching
-- archive checkpoint covers (migration audit.0002). EXECUTE was revoked from PUBLIC there.
GRANT EXECUTE ON FUNCTION audit_access_records_purge(bigint) TO {archiver_role};
