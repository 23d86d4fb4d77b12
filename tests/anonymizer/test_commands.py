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
    """The benchmark plan, compliant on 3,000 rows: 職業 and 身長 are attributes (as in the portal's tests)."""
    for column in bench_plan["columns"]:
        if column["name"] in ("職業", "身長"):
            column["role"] = "attribute"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(bench_plan, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def failing_plan_file(tmp_path, bench_plan):
    """A plan whose output fails k-anonymity (k = 400 is checked, never enforced)."""
    bench_plan["dataset"]["k_anonymity"].update({"k": 400, "method": "check"})
    path = tmp_path / "failing.json"
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


# --- bad input: a Japanese message, a non-zero exit, nothing left behind ------------------------------------


def _anonymize(plan, source, out, *extra):
    return _run("anonymize", "--plan", str(plan), "--input", str(source), "--output", str(out), *extra)


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_anonymize_corrupt_parquet_japanese_error_and_nothing_written(plan_file, tmp_path):
    source = tmp_path / "in.parquet"
    source.write_bytes(b"PAR1" + b"\0" * 200 + b"PAR1")
    before = _tree(tmp_path)

    with pytest.raises(CommandError, match=r"Parquet ファイル in\.parquet を読み取れません"):
        _anonymize(plan_file, source, tmp_path / "o")

    assert _tree(tmp_path) == before


def test_anonymize_truncated_parquet_fails_while_reading_and_leaves_nothing(admin_csv, plan_file, tmp_path):
    import pyarrow.parquet as pq

    good = tmp_path / "good.parquet"
    pq.write_table(pv.read_csv(admin_csv), good, row_group_size=500)
    data = good.read_bytes()
    source = tmp_path / "cut.parquet"
    source.write_bytes(data[:4] + b"\0" * (len(data) // 2) + data[len(data) // 2 + 4 :])  # pages damaged
    out = tmp_path / "o"
    out.mkdir()

    with pytest.raises(CommandError, match="を読み取れません"):
        _anonymize(plan_file, source, out)

    assert _tree(out) == []


def test_anonymize_output_naming_an_existing_file_is_refused(admin_csv, plan_file, tmp_path):
    taken = tmp_path / "taken.txt"
    taken.write_text("x", encoding="utf-8")

    with pytest.raises(CommandError, match="はフォルダではありません"):
        _anonymize(plan_file, admin_csv, taken)

    assert taken.read_text(encoding="utf-8") == "x"


def test_anonymize_output_below_a_file_is_refused(admin_csv, plan_file, tmp_path):
    taken = tmp_path / "taken.txt"
    taken.write_text("x", encoding="utf-8")

    with pytest.raises(CommandError, match="フォルダを作れません"):
        _anonymize(plan_file, admin_csv, taken / "out")


def test_anonymize_unreadable_input_japanese_error(plan_file, tmp_path):
    folder = tmp_path / "in.csv"
    folder.mkdir()

    with pytest.raises(CommandError, match=r"入力ファイル in\.csv を読み込めません"):
        _anonymize(plan_file, folder, tmp_path / "o")

    assert not (tmp_path / "o").exists()


def test_anonymize_noncompliant_writes_the_report_but_no_dataset_and_exits_1(admin_csv, failing_plan_file, tmp_path):
    out = tmp_path / "o"

    with pytest.raises(CommandError) as exc:
        _anonymize(failing_plan_file, admin_csv, out)

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert exc.value.returncode == 1
    assert "加工の基準を満たしていません" in str(exc.value)
    assert report["compliance"]["compliant"] is False
    assert _tree(out) == ["report.json"]


def test_anonymize_noncompliant_with_allow_noncompliant_writes_the_dataset_and_still_exits_1(
    admin_csv, failing_plan_file, tmp_path
):
    out = tmp_path / "o"

    with pytest.raises(CommandError) as exc:
        _anonymize(failing_plan_file, admin_csv, out, "--allow-noncompliant")

    assert exc.value.returncode == 1
    assert _tree(out) == ["dataset.csv", "manifest.json", "report.json"]


def test_anonymize_report_only_noncompliant_exits_1_with_the_report(admin_csv, failing_plan_file, tmp_path):
    out = tmp_path / "o"

    with pytest.raises(CommandError) as exc:
        _anonymize(failing_plan_file, admin_csv, out, "--report-only")

    assert exc.value.returncode == 1
    assert _tree(out) == ["report.json"]


def test_anonymize_compliant_report_only_exits_0(admin_csv, plan_file, tmp_path):
    stdout, _ = _anonymize(plan_file, admin_csv, tmp_path / "o", "--report-only")

    assert "判定: 加工基準を満たしています" in stdout


def test_anonymize_unwritable_secrets_out_is_refused_before_the_run(admin_csv, plan_file, tmp_path):
    taken = tmp_path / "taken.txt"
    taken.write_text("x", encoding="utf-8")

    with pytest.raises(CommandError, match="--secrets-out"):
        _anonymize(plan_file, admin_csv, tmp_path / "o", "--secrets-out", str(taken / "secrets.json"))

    assert not (tmp_path / "o").exists()


def _hierarchy_args(admin_csv, sex_table, job_table):
    hierarchies = ["--hierarchy", f"性別={sex_table}", f"職業={job_table}"]
    return ["optimize", "--input", str(admin_csv), "--qi", "性別", "職業", *hierarchies, "--k", "5"]


def test_optimize_ragged_hierarchy_japanese_error(admin_csv, tmp_path):
    sex, job = _hierarchies(tmp_path)
    job.write_text("会社員;勤め;*\n公務員;*\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r'列 "職業" の階層表 h_job\.csv が不正です: 行ごとに階層の数が異なります'):
        _run(*_hierarchy_args(admin_csv, sex, job))


def test_optimize_hierarchy_not_utf8_japanese_error(admin_csv, tmp_path):
    sex, job = _hierarchies(tmp_path)
    job.write_bytes("会社員;勤め;*\n".encode("cp932"))

    with pytest.raises(CommandError, match="UTF-8 ではありません"):
        _run(*_hierarchy_args(admin_csv, sex, job))


def test_optimize_plan_out_below_a_file_is_refused_before_the_search(admin_csv, tmp_path):
    sex, job = _hierarchies(tmp_path)
    taken = tmp_path / "taken.txt"
    taken.write_text("x", encoding="utf-8")

    with pytest.raises(CommandError, match="--plan-out"):
        _run(*_hierarchy_args(admin_csv, sex, job), "--plan-out", str(taken / "plan.yaml"))


def test_optimize_unwritable_plan_out_japanese_error_and_nothing_left(admin_csv, tmp_path):
    sex, job = _hierarchies(tmp_path)
    target = Path("/proc/plan.yaml")  # not writable, even for root

    with pytest.raises(CommandError, match=r"処理計画を /proc/plan\.yaml に書き出せません"):
        _run(*_hierarchy_args(admin_csv, sex, job), "--plan-out", str(target))

    assert not target.exists()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("corrupt_parquet", "を読み取れません"),
        ("output_is_a_file", "はフォルダではありません"),
        ("noncompliant", "加工基準を満たしていません"),
        ("ragged_hierarchy", "階層の数が異なります"),
    ],
)
def test_cli_bad_input_exits_1_without_a_traceback(case, message, admin_csv, plan_file, failing_plan_file, tmp_path):
    sex, job = _hierarchies(tmp_path)
    base = [sys.executable, "manage.py"]
    if case == "corrupt_parquet":
        bad = tmp_path / "in.parquet"
        bad.write_bytes(b"not parquet at all")
        cmd = [*base, "anonymize", "--plan", str(plan_file), "--input", str(bad), "--output", str(tmp_path / "o")]
    elif case == "output_is_a_file":
        cmd = [*base, "anonymize", "--plan", str(plan_file), "--input", str(admin_csv), "--output", str(admin_csv)]
    elif case == "noncompliant":
        cmd = [*base, "anonymize", "--plan", str(failing_plan_file), "--input", str(admin_csv)]
        cmd += ["--output", str(tmp_path / "o"), "--report-only"]
    else:
        job.write_text("会社員;勤め;*\n公務員;*\n", encoding="utf-8")
        cmd = [*base, *_hierarchy_args(admin_csv, sex, job)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"}

    done = subprocess.run([*cmd, "--skip-checks"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603

    assert done.returncode == 1
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
