"""Strict readers for settings that come from the environment.

Every reader fails loudly (ImproperlyConfigured, naming the variable) on a value it cannot
understand, instead of silently falling back: a typo in a production setting must stop the
process at start-up, not weaken it.
"""

import os
from collections.abc import Callable
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_MISSING = object()


def _raw(name: str, default: object) -> str | object:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is _MISSING:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    return value


def env_str(name: str, default: object = _MISSING) -> str:
    return _raw(name, default)  # type: ignore[return-value]


def env_bool(name: str, default: object = _MISSING) -> bool:
    value = _raw(name, default)
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {value!r}.")


def env_int(name: str, default: object = _MISSING, *, minimum: int | None = None) -> int:
    value = _raw(name, default)
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: object = _MISSING) -> list[str]:
    value = _raw(name, default)
    if isinstance(value, list):
        return value
    return [item.strip() for item in str(value).split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: object = _MISSING) -> str:
    value = str(_raw(name, default))
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_path(name: str, default: object = _MISSING) -> Path:
    return Path(str(_raw(name, default))).expanduser().resolve()


def env_parsed(name: str, parse: Callable[[str], dict], default: object = _MISSING) -> dict:
    """`parse(value)` of the variable (a URL, a key list …); any failure names the variable."""
    value = str(_raw(name, default))
    try:
        return parse(value)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} is not usable ({exc}).") from None


_SUPPORTED_ENGINES = ("django.db.backends.postgresql", "django.db.backends.sqlite3")


def database_config(url: str) -> dict:
    """Django DATABASES entry for a postgres://… or sqlite:///… URL (the portal runs on no other)."""
    config = environ.Env.db_url_config(url)
    if config.get("ENGINE") not in _SUPPORTED_ENGINES:
        raise ValueError("only postgres:// and sqlite:/// URLs are supported")
    return config


def parse_master_keys(value: str) -> dict[str, bytes]:
    """ "id:base64,id:base64" → {id: 32-byte key}, in the given order (the first is current)."""
    import base64
    import binascii

    keys: dict[str, bytes] = {}
    for item in value.split(","):
        key_id, _, encoded = item.strip().partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {key_id!r} is not base64") from None
        if not key_id or len(key) != 32:
            raise ValueError(f"key {key_id!r} must be 32 bytes of base64 after an id")
        keys[key_id] = key
    if not keys:
        raise ValueError("no key given")
    return keys
