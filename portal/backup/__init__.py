"""Encrypted backup and restore of the database and the data dir (seed 004 第18条・第19条; docs/backup.md).

A plain package, not a Django app: `services` holds the two entry points used by the `backup` and
`restore` commands, `container` the file format, `database` and `files` the two parts.
"""
