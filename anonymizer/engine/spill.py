"""The raw values that wait between the two passes: in memory up to a budget, on disk beyond it.

k is global (seed 002 3-2-5): the row pass may only start once the global pass has seen every row, so the
raw values of the output columns that only the row pass processes wait in between. Up to ``budget`` bytes
stay in memory; everything after that goes, in order, to an uncompressed Arrow IPC file in a private folder
(``mkdtemp``: mode 0700) and is read back one slice at a time, so a file larger than memory is processed
with bounded resident memory and the same result. The folder is removed when the run ends, whatever
happens (第17条: temporary copies minimal and deleted); a job passes its own work folder, which the sweep
at worker start also covers after a crash.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

DEFAULT_BUDGET_BYTES = 1 << 30  # chunked runs: 1 GiB of raw values in memory, the rest on disk


class HeldChunks:
    """Tables added in order, given back in the same order by :meth:`drain` (each once)."""

    def __init__(self, budget: int | None = None, folder: str | Path | None = None):
        self.budget = budget  # None: no limit, everything stays in memory
        self.folder = Path(folder) if folder is not None else None
        self.tables = 0
        self.rows = 0
        self.spilled_rows = 0
        self.spilled_bytes = 0
        self._memory: deque[pa.Table] = deque()
        self._memory_bytes = 0
        self._dir: Path | None = None
        self._sink: pa.NativeFile | None = None
        self._writer: ipc.RecordBatchFileWriter | None = None

    def add(self, table: pa.Table) -> None:
        self.tables += 1
        self.rows += table.num_rows
        size = table.nbytes
        if self._writer is None and (self.budget is None or self._memory_bytes + size <= self.budget):
            self._memory.append(table)
            self._memory_bytes += size
            return
        if table.num_rows == 0:
            return
        if self._writer is None:
            self._dir = Path(tempfile.mkdtemp(prefix="anonymizer-spill-", dir=self.folder))
            self._sink = pa.OSFile(str(self._dir / "held.arrow"), "wb")
            self._writer = ipc.new_file(self._sink, table.schema)
        # one record batch per table, so reading back gives the same slices
        self._writer.write_batch(table.combine_chunks().to_batches(max_chunksize=max(table.num_rows, 1))[0])
        self.spilled_rows += table.num_rows
        self.spilled_bytes += size

    def drain(self) -> Iterator[pa.Table]:
        """The tables in the order added; each in-memory table is released as it is handed out."""
        while self._memory:
            table = self._memory.popleft()
            self._memory_bytes -= table.nbytes
            yield table
        if self._writer is None:
            return
        self._writer.close()
        self._sink.close()
        self._writer = None
        with pa.OSFile(str(self._dir / "held.arrow"), "rb") as source:
            reader = ipc.open_file(source)
            for i in range(reader.num_record_batches):
                yield pa.Table.from_batches([reader.get_batch(i)])

    def __enter__(self) -> HeldChunks:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the spill file and its folder (idempotent)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._sink is not None and not self._sink.closed:
            self._sink.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._memory.clear()
        self._memory_bytes = 0
