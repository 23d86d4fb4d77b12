"""Files larger than memory (issue 5): in a chunked run the raw values waiting for the row pass go to disk
beyond a budget, with the same result, and nothing is left on disk afterwards."""

import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
import pytest

from anonymizer.engine import anonymize_file, load_plan
from anonymizer.engine.spill import HeldChunks


@pytest.fixture
def source(admin_table, tmp_path):
    path = tmp_path / "in.csv"
    pv.write_csv(admin_table, path)
    return path


def test_a_chunked_run_over_its_memory_budget_gives_the_in_memory_result(source, bench_plan, secrets, tmp_path):
    plan = load_plan(bench_plan)
    spill = tmp_path / "work"
    spill.mkdir()

    whole = anonymize_file(source, plan, secrets)
    spilled = anonymize_file(source, plan, secrets, chunk_rows=3_000, hold_bytes=0, spill_dir=spill)

    pd.testing.assert_frame_equal(whole.table.astype(str), spilled.table.astype(str))
    assert spilled.report["timings"]["spilled_mib"] > 0
    assert "spilled_mib" not in whole.report["timings"]
    assert list(spill.iterdir()) == []  # the spill folder went with the run


def test_a_budget_keeps_the_first_slices_in_memory_and_spills_the_rest(tmp_path):
    tables = [pa.table({"v": pa.array([f"{i}-{j}" for j in range(100)], pa.large_string())}) for i in range(5)]
    budget = tables[0].nbytes * 2

    with HeldChunks(budget, tmp_path) as held:
        for table in tables:
            held.add(table)
        assert (held.tables, held.rows, held.spilled_rows) == (5, 500, 300)
        assert len(list(tmp_path.iterdir())) == 1  # one private spill folder
        back = list(held.drain())

    assert [t.column("v").to_pylist() for t in back] == [t.column("v").to_pylist() for t in tables]
    assert list(tmp_path.iterdir()) == []


class Cancelled(Exception):
    pass


def test_a_run_cancelled_in_the_row_pass_leaves_no_spill_behind(source, bench_plan, secrets, tmp_path):
    spill = tmp_path / "work"
    spill.mkdir()
    seen = []

    def progress(share):
        if share is not None and share > 0.5:  # the row pass has begun: the spill file exists
            seen.extend(spill.iterdir())
            raise Cancelled

    with pytest.raises(Cancelled):
        anonymize_file(
            source, load_plan(bench_plan), secrets, chunk_rows=3_000, hold_bytes=0, spill_dir=spill, progress=progress
        )

    assert len(seen) == 1
    assert list(spill.iterdir()) == []


def test_the_default_spill_folder_is_private_and_removed(source, bench_plan, secrets):
    before = set(Path(tempfile.gettempdir()).glob("anonymizer-spill-*"))

    result = anonymize_file(source, load_plan(bench_plan), secrets, chunk_rows=3_000, hold_bytes=0, collect=False)

    assert result.report["timings"]["spilled_mib"] > 0
    assert set(Path(tempfile.gettempdir()).glob("anonymizer-spill-*")) == before
