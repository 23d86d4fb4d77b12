"""More rows of the authorisation matrix, one module per area (same format as EXPECTED / ADMIN_MODELS in
test_authorization_matrix.py). Every module here that defines EXPECTED and/or ADMIN_MODELS is merged in;
a route decided twice fails the test run."""

import importlib
import pkgutil


def collect(name: str) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        rows = getattr(importlib.import_module(f"{__name__}.{info.name}"), name, {})
        twice = set(rows) & set(merged)
        if twice:
            raise AssertionError(f"decided twice in matrix_rows: {sorted(twice)}")
        merged.update(rows)
    return merged
