"""Fixtures for the anonymizer engine tests (plain pytest: no Django, no database)."""

from pathlib import Path

import pytest

from anonymizer.engine import ProcessingSecrets
from anonymizer.engine.bench import BENCH_PLAN, generate_admin_table

ARX = Path("/work/shared/data/arx")


@pytest.fixture
def secrets():
    return ProcessingSecrets(keys={"pseudonym": bytes(range(32))}, seed=20240401)


@pytest.fixture(scope="session")
def admin_table():
    return generate_admin_table(20_000, seed=7)


@pytest.fixture
def bench_plan():
    import copy

    plan = copy.deepcopy(BENCH_PLAN)
    # 20,000 test rows: three quasi-identifiers keep the classes large enough for k=5 within 5 %
    plan["dataset"]["k_anonymity"]["quasi_identifiers"] = ["生年月日", "性別", "住所"]
    return plan


@pytest.fixture
def arx_dir():
    if not (ARX / "adult.csv").exists():
        pytest.skip("ARX benchmark data not available")
    return ARX
