"""The database refuses to change or remove access records (seed 004 第12条2項).

PostgreSQL: a trigger raises on UPDATE, DELETE and TRUNCATE of the records and the archive checkpoints,
with three exceptions, each narrower than what its holder could do anyway:
- UPDATE that only clears actor_id: Django's SET_NULL when a user is deleted (the copied actor id and
  name stay, and are what the hash covers);
- DELETE inside audit_access_records_purge(), a SECURITY DEFINER function of the table owner that the
  app's role is not granted (docs/access-records.md), of records up to the end of a matching archive;
- TRUNCATE by a superuser (who can switch triggers off anyway): Django's test flush.
SQLite (the demo): a trigger refuses UPDATE; DELETE is refused by the model's Python guard only,
because Django's test flush empties tables with DELETE. A migration that rebuilds these tables on
SQLite drops the triggers: re-create them in the same migration (test_protection checks).
"""

from django.db import migrations

from portal.audit.migration_operations import RunSQLOnSQLite
from portal.migration_operations import RunSQLOnPostgreSQL

PG_FORWARD = r"""
CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    purge_through text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF jsonb_typeof(to_jsonb(NEW) -> 'actor_id') = 'null'
           AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
            RETURN NEW;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF TG_TABLE_NAME = 'audit_accessrecord' THEN
            purge_through := current_setting('portal_audit.purge_through', true);
            IF coalesce(purge_through, '') <> ''
               AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
                IF OLD.position <= purge_through::bigint THEN
                    RETURN OLD;
                END IF;
            END IF;
        END IF;
    ELSIF TG_OP = 'TRUNCATE' THEN
        IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'アクセス記録は変更・削除できません（% on %）', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_accessrecord_append_only BEFORE UPDATE OR DELETE ON audit_accessrecord
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_accessrecord_no_truncate BEFORE TRUNCATE ON audit_accessrecord
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_accessarchive_append_only BEFORE UPDATE OR DELETE ON audit_accessarchive
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_accessarchive_no_truncate BEFORE TRUNCATE ON audit_accessarchive
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- The function names its tables with the migration's schema, so a caller's search_path or temporary
-- table cannot redirect it.
DO $do$
BEGIN
EXECUTE format($fn$
CREATE FUNCTION %1$I.audit_access_records_purge(through bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    archive_first bigint;
    archive_hash text;
    live_hash text;
    removed bigint;
BEGIN
    SELECT first_position, last_hash INTO archive_first, archive_hash
      FROM %1$I.audit_accessarchive WHERE last_position = through;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no access-record archive ends at position %%', through
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT hash INTO live_hash FROM %1$I.audit_accessrecord WHERE position = through;
    IF live_hash IS DISTINCT FROM archive_hash THEN
        RAISE EXCEPTION 'the archive ending at %% does not match the live record', through
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM %1$I.audit_accessrecord WHERE position < archive_first) THEN
        RAISE EXCEPTION 'records before position %% are not archived', archive_first
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('portal_audit.purge_through', through::text, true);
    DELETE FROM %1$I.audit_accessrecord WHERE position BETWEEN archive_first AND through;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('portal_audit.purge_through', '', true);
    RETURN removed;
END;
$body$;
REVOKE ALL ON FUNCTION %1$I.audit_access_records_purge(bigint) FROM PUBLIC;
$fn$, current_schema());
END;
$do$;
"""

PG_BACKWARD = r"""
DROP FUNCTION audit_access_records_purge(bigint);
DROP TRIGGER audit_accessarchive_no_truncate ON audit_accessarchive;
DROP TRIGGER audit_accessarchive_append_only ON audit_accessarchive;
DROP TRIGGER audit_accessrecord_no_truncate ON audit_accessrecord;
DROP TRIGGER audit_accessrecord_append_only ON audit_accessrecord;
DROP FUNCTION audit_refuse_change();
"""

_UNCHANGED = " AND ".join(
    f"NEW.{column} IS OLD.{column}"
    for column in (
        "position",
        "occurred_at",
        "actor_user_id",
        "actor_username",
        "actor_name",
        "action",
        "result",
        "object_type",
        "object_id",
        "object_repr",
        "ip_address",
        "user_agent",
        "request_path",
        "detail",
        "hash",
    )
)

SQLITE_FORWARD = [
    f"""CREATE TRIGGER audit_accessrecord_append_only BEFORE UPDATE ON audit_accessrecord
    WHEN NOT (NEW.actor_id IS NULL AND {_UNCHANGED})
    BEGIN SELECT RAISE(ABORT, 'アクセス記録は変更できません'); END;""",
    """CREATE TRIGGER audit_accessarchive_append_only BEFORE UPDATE ON audit_accessarchive
    BEGIN SELECT RAISE(ABORT, 'アクセス記録の移管記録は変更できません'); END;""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER audit_accessarchive_append_only;",
    "DROP TRIGGER audit_accessrecord_append_only;",
]


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        RunSQLOnPostgreSQL(PG_FORWARD, PG_BACKWARD),
        RunSQLOnSQLite(SQLITE_FORWARD, SQLITE_BACKWARD),
    ]
