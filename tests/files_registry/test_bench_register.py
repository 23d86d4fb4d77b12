import json

import pytest
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_bench_register_prints_one_json_object_with_every_figure(capsys):
    call_command("bench_register", "--entries", "120", "--requests", "5")

    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    assert figures["entries"] == 120
    for page in ("search", "list", "detail"):
        assert figures[f"{page}_p50_ms"] > 0 and figures[f"{page}_p95_ms"] >= figures[f"{page}_p50_ms"]
