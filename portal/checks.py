"""Deployment checks of the agency's security duties (`manage.py check --deploy`; docs/security.md).

- portal.E001 (needs `--database default`, PostgreSQL): the connection could rewrite access records
  (seed 004 第12条2項).
- portal.W002: the chain heads go only into the data dir the portal itself can rewrite (第12条2項).
- portal.W003 / E004 / W005: the offline breached-password mirror is off, missing or empty (第11条2項).
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from portal.audit.database_roles import connection_privilege_problems


@register(Tags.database, deploy=True)
def check_database_role(app_configs=None, databases=None, **kwargs) -> list:
    """Error when a checked connection is a superuser, the tables' owner, or may change access records.

    Like Django's own database checks it runs only for the aliases given (`check --database default`;
    migrate runs as the owner and does not include deploy checks).
    """
    errors = []
    for alias in databases or ():
        try:
            problems = connection_privilege_problems(alias)
        except DatabaseError as error:
            problems = [f"the privileges could not be read ({error.__class__.__name__}: {str(error).strip()[:200]})"]
        errors += [
            Error(
                f"Database '{alias}': {problem}.",
                hint="Connect the web server, the worker and beat as the app role, the archive worker as the "
                "archiver role, and only migrations as the owner; apply `manage.py grant_database_roles` "
                "after migrating (docs/access-records.md, deploy/postgres/).",
                id="portal.E001",
            )
            for problem in problems
        ]
    return errors


@register(Tags.security, deploy=True)
def check_chain_head_export(app_configs=None, **kwargs) -> list:
    """Warning when the exported chain heads go only to a folder inside PORTAL_DATA_DIR and not to syslog."""
    if settings.AUDIT_HEAD_SYSLOG_ADDRESS:
        return []
    if not Path(settings.AUDIT_HEAD_EXPORT_DIR).resolve().is_relative_to(Path(settings.DATA_DIR).resolve()):
        return []  # a separate mount: append-only or WORM is the operator's duty (docs/access-records.md)
    return [
        Warning(
            "The access-record chain heads are exported only into PORTAL_DATA_DIR, which the portal can rewrite.",
            hint="Set AUDIT_HEAD_SYSLOG_ADDRESS (compose: the syslog service) or point AUDIT_HEAD_EXPORT_DIR "
            "at an append-only or WORM mount outside PORTAL_DATA_DIR.",
            id="portal.W002",
        )
    ]


@register(Tags.security, deploy=True)
def check_breached_password_mirror(app_configs=None, **kwargs) -> list:
    """Warning when production (PORTAL_HTTPS) runs without the breached-password mirror; Error when the
    configured mirror is not a folder; Warning when it holds no `PREFIX.txt` file (an empty mount)."""
    directory = settings.PASSWORD_BREACHED_HASHES_DIR
    if not directory:
        if not settings.HTTPS:
            return []
        return [
            Warning(
                "PASSWORD_BREACHED_HASHES_DIR is not set: passwords are not checked against the breach corpus.",
                hint="Mount an offline Pwned Passwords mirror read-only and set PASSWORD_BREACHED_HASHES_DIR "
                "(docs/security.md, docker-compose.yml).",
                id="portal.W003",
            )
        ]
    if not Path(directory).is_dir():
        return [Error(f"PASSWORD_BREACHED_HASHES_DIR is not a folder: {directory}", id="portal.E004")]
    with os.scandir(directory) as entries:  # lazily: a full mirror holds about a million files
        if any(entry.name.endswith(".txt") and entry.is_file() for entry in entries):
            return []
    return [
        Warning(
            f"PASSWORD_BREACHED_HASHES_DIR holds no PREFIX.txt file: {directory}",
            hint="The mirror is empty or not mounted; every password passes the breach check.",
            id="portal.W005",
        )
    ]
