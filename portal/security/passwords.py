"""Breached-password check that works offline (seed 004 第11条2項: パスワード等の管理).

The portal has no route to the internet, so the Pwned Passwords k-anonymity API cannot be asked. The
same data can be mirrored: the official downloader (haveibeenpwned/PwnedPasswordsDownloader) writes one
file per SHA-1 prefix, `ABCDE.txt`, whose lines are `SUFFIX:COUNT`. Point PASSWORD_BREACHED_HASHES_DIR
at such a mirror (read-only mount, refreshed by operations) and this validator looks up one small file
per check. Without a mirror, Django's CommonPasswordValidator (20,000 passwords drawn from breaches)
is the check in force; docs/security.md.
"""

import hashlib
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured, ValidationError


class BreachedPasswordValidator:
    """Refuses a password whose SHA-1 appears in an offline Pwned Passwords mirror.

    OPTIONS: hashes_dir (required), min_count (refuse at this many sightings or more; default 1).
    """

    def __init__(self, hashes_dir: str | Path, min_count: int = 1):
        self.hashes_dir = Path(hashes_dir)
        if not self.hashes_dir.is_dir():
            raise ImproperlyConfigured(f"PASSWORD_BREACHED_HASHES_DIR is not a directory: {self.hashes_dir}")
        self.min_count = min_count

    def sightings(self, password: str) -> int:
        digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
        prefix, suffix = digest[:5], digest[5:]
        path = self.hashes_dir / f"{prefix}.txt"
        if not path.exists():
            return 0
        with path.open(encoding="ascii") as lines:
            for line in lines:
                found, _, count = line.strip().partition(":")
                if found.upper() == suffix:
                    return int(count or 1)
        return 0

    def validate(self, password: str, user=None) -> None:
        if self.sightings(password) >= self.min_count:
            raise ValidationError(
                "このパスワードは過去に漏えいしたパスワードの一覧に含まれています。別のパスワードにしてください。",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "過去に漏えいしたパスワードは使えません。"
