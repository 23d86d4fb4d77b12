"""The management commands: anonymize, optimize, bench_anonymizer (thin wrappers over the engine)."""

import json
import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pyarrow.csv as pv
import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from anonymizer.engine import load_plan
from anonymizer.engine.bench import generate_admin_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_csv(tmp_path):
    path = tmp_path / "in.csv"
    pv.write_csv(generate_admin_table(3_000, seed=11), path)
    return path


@pytest.fixture
def plan_file(tmp_path, bench_plan):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(bench_plan, ensure_ascii=False), encoding="utf-8")
    return path


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_anonymize_writes_dataset_manifest_report_not_secrets(admin_csv, plan_file, tmp_path):
    out_dir, vault = tmp_path / "out", tmp_path / "vault" / "record.json"
    stdout, _ = _run(
        "anonymize",
        "--plan",
        str(plan_file),
        "--input",
        str(admin_csv),
        "--output",
        str(out_dir),
        "--secrets-out",
        str(vault),
    )
    assert sorted(p.name for p in out_dir.iterdir()) == ["dataset.csv", "manifest.json", "report.json"]
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    assert report["rows"]["source"] == 3_000
    assert "判定" in stdout
    record = json.loads(vault.read_bytes())
    key_hex = record["secrets"]["keys"]["pseudonym"]
    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    for path in out_dir.iterdir():
        assert key_hex not in path.read_text(encoding="utf-8-sig")


def test_anonymize_same_secrets_same_dataset(admin_csv, plan_file, tmp_path):
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"keys": {"pseudonym": (b"s" * 32).hex()}, "seed": 7}), encoding="utf-8")
    for name in ("a", "b"):
        _run(
            "anonymize",
            "--plan",
            str(plan_file),
            "--input",
            str(admin_csv),
            "--output",
            str(tmp_path / name),
            "--secrets",
            str(secrets),
        )
    assert (tmp_path / "a" / "dataset.csv").read_bytes() == (tmp_path / "b" / "dataset.csv").read_bytes()


def test_anonymize_report_only_writes_no_dataset(admin_csv, plan_file, tmp_path):
    _run(
        "anonymize",
        "--plan",
        str(plan_file),
        "--input",
        str(admin_csv),
        "--output",
        str(tmp_path / "dry"),
        "--report-only",
    )
    assert [p.name for p in (tmp_path / "dry").iterdir()] == ["report.json"]


def test_anonymize_bad_plan_japanese_error(admin_csv, tmp_path):
    plan = tmp_path / "bad.yaml"
    plan.write_text(
        "plan_version: 1\ncolumns:\n  - {name: 住所, role: quasi_identifier, steps: [{op: encrypt}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        _run("anonymize", "--plan", str(plan), "--input", str(admin_csv), "--output", str(tmp_path / "o"))
    assert "処理計画に誤りがあります" in str(exc.value)
    assert "encrypt" in str(exc.value)


def test_anonymize_missing_column_japanese_error(admin_csv, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan_version: 1\ncolumns:\n  - {name: 年齢, role: attribute, steps: [{op: keep}]}\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="処理計画の列が入力にありません"):
        _run("anonymize", "--plan", str(plan), "--input", str(admin_csv), "--output", str(tmp_path / "o"))


def test_anonymize_refuses_secrets_beside_dataset(admin_csv, plan_file, tmp_path):
    with pytest.raises(CommandError, match="出力フォルダ"):
        _run(
            "anonymize",
            "--plan",
            str(plan_file),
            "--input",
            str(admin_csv),
            "--output",
            str(tmp_path / "o"),
            "--secrets-out",
            str(tmp_path / "o" / "secrets.json"),
        )
    assert not (tmp_path / "o").exists()


def test_anonymize_bad_plan_exit_code_and_no_traceback(tmp_path, admin_csv):
    plan = tmp_path / "bad.json"
    plan.write_text('{"plan_version": 1, "columns": [', encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"}
    cmd = [sys.executable, "manage.py", "anonymize", "--skip-checks", "--plan", str(plan), "--input", str(admin_csv)]
    cmd += ["--output", str(tmp_path / "o")]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode != 0
    assert "処理計画" in done.stderr
    assert "Traceback" not in done.stderr


def _hierarchies(tmp_path):
    sex = tmp_path / "h_sex.csv"
    sex.write_text("男;*\n女;*\n", encoding="utf-8")
    job = tmp_path / "h_job.csv"
    jobs = ["会社員", "公務員", "自営業", "学生", "無職", "農業", "医療", "教育", "建設", "その他"]
    job.write_text(
        "".join(f"{j};{'勤め' if j in ('会社員', '公務員') else 'その他'};*\n" for j in jobs), encoding="utf-8"
    )
    return sex, job


def test_optimize_prints_plan_that_anonymize_accepts(admin_csv, tmp_path):
    sex, job = _hierarchies(tmp_path)
    stdout, stderr = _run(
        "optimize",
        "--input",
        str(admin_csv),
        "--qi",
        "性別",
        "職業",
        "--hierarchy",
        f"性別={sex}",
        f"職業={job}",
        "--k",
        "5",
    )
    assert "情報損失" in stderr
    plan = load_plan(yaml.safe_load(stdout))
    assert plan.quasi_identifiers == ["性別", "職業"]
    assert plan.dataset["k_anonymity"]["k"] == 5
    path = tmp_path / "opt.yaml"
    path.write_text(stdout, encoding="utf-8")
    _run("anonymize", "--plan", str(path), "--input", str(admin_csv), "--output", str(tmp_path / "o"))
    report = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    assert report["privacy"]["k"] >= 5


def test_optimize_adult_plan_round_trip_through_anonymize(arx_dir, tmp_path):
    qis = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"]
    hier = [f"{q}={arx_dir / f'adult_hierarchy_{q}.csv'}" for q in qis]
    stdout, stderr = _run(
        "optimize",
        "--input",
        str(arx_dir / "adult.csv"),
        "--qi",
        *qis,
        "--hierarchy",
        *hier,
        "--k",
        "5",
        "--format",
        "json",
        "--plan-out",
        str(tmp_path / "plan.json"),
    )
    plan = json.loads(stdout)
    assert [c["name"] for c in plan["columns"]] == qis
    assert "Loss" in stderr and "0.2618" in stderr  # the best global node (local recoding is not a plan)
    _run(
        "anonymize",
        "--plan",
        str(tmp_path / "plan.json"),
        "--input",
        str(arx_dir / "adult.csv"),
        "--output",
        str(tmp_path / "o"),
        "--report-only",
    )
    report = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    assert report["privacy"]["k"] >= 5
    assert report["privacy"]["records_suppressed"] == 1248
    assert report["compliance"]["compliant"] is True


def test_optimize_hierarchy_missing_japanese_error(admin_csv, tmp_path):
    with pytest.raises(CommandError, match="階層表のない準識別子"):
        _run(
            "optimize",
            "--input",
            str(admin_csv),
            "--qi",
            "性別",
            "職業",
            "--hierarchy",
            f"性別={_hierarchies(tmp_path)[0]}",
            "--k",
            "5",
        )


def test_bench_anonymizer_rows_last_line_is_json():
    stdout, _ = _run("bench_anonymizer", "--rows", "3000", "--pseudonyms", "20000")
    result = json.loads(stdout.strip().splitlines()[-1])
    for key in ("rows", "seconds", "rows_per_second", "peak_memory_mb", "kcheck_seconds", "pseudonyms_per_second"):
        assert key in result
    assert result["rows"] == 3000
    assert result["leftover_identifiers"] == 0


def test_bench_anonymizer_adult_missing_data_japanese_error(tmp_path):
    with pytest.raises(CommandError, match=r"adult\.csv"):
        _run("bench_anonymizer", "--adult", "--data", str(tmp_path))
