"""Micro-aggregation, swapping and noise addition (seed 002 3-2-5, 別表1 の手法).

Every random draw comes from the caller's processing secrets (never the global RNG). Noise is counter-based:
row ``i`` of the input always gets the same draw whatever the chunk it is read in, so a chunked run and an
in-memory run give the same output. Micro-aggregation and swapping need the whole column and run once, in
the first pass.
"""

from __future__ import annotations

import numpy as np
import numpy.random as npr

from .processing_secrets import ProcessingSecrets


def microaggregate(values: np.ndarray, size: int) -> np.ndarray:
    """Univariate micro-aggregation: sort, cut into groups of ``size`` (the last group takes the remainder,
    so every group has size..2·size-1 members) and replace each value by its group mean. NaN stays NaN."""
    out = values.astype(np.float64).copy()
    ok = np.flatnonzero(~np.isnan(out))
    n = len(ok)
    if n == 0:
        return out
    order = ok[np.argsort(out[ok], kind="stable")]
    groups = np.minimum(np.arange(n) // size, max(n // size - 1, 0))
    sums = np.bincount(groups, weights=out[order])
    counts = np.bincount(groups)
    out[order] = (sums / counts)[groups]
    return out


def swap(values: np.ndarray, rate: float, secrets: ProcessingSecrets, purpose: str) -> np.ndarray:
    """Data swapping: a random ``rate`` share of the records exchange their values among themselves
    (a random cyclic rotation of the chosen records, so every chosen record gets another's value)."""
    n = len(values)
    rng = secrets.rng(purpose)
    chosen = np.flatnonzero(rng.random(n) < rate)
    out = values.copy()
    if len(chosen) > 1:
        perm = rng.permutation(chosen)
        out[perm] = values[np.roll(perm, 1)]
    return out


def counter_uniforms(secrets: ProcessingSecrets, purpose: str, row_index: np.ndarray, draws: int = 2) -> np.ndarray:
    """``draws`` uniforms in (0, 1) per row, a pure function of (secret seed, purpose, row index).

    Philox is a counter-based generator: setting its counter to the row index jumps straight to that
    row's block, so any subset of rows can be drawn in any order with the same result.
    """
    key = secrets.philox_key(purpose)
    out = np.empty((len(row_index), draws), dtype=np.float64)
    if len(row_index) == 0:
        return out
    # one call for the span of this chunk, then pick the rows: the draws of row i depend on i only
    first, last = int(row_index.min()), int(row_index.max())
    gen = npr.Philox(key=key, counter=[first, 0, 0, 0])
    raw = gen.random_raw((last - first + 1) * 4).reshape(-1, 4)[row_index - first, :draws]
    out[:] = ((raw >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    return out


def add_noise(
    values: np.ndarray,
    row_index: np.ndarray,
    *,
    distribution: str,
    scale: float,
    relative: bool,
    secrets: ProcessingSecrets,
    purpose: str,
) -> np.ndarray:
    """Noise addition: normal (scale = σ), laplace (scale = b) or uniform (±scale); ``relative`` multiplies
    by |value| (scale is then a fraction)."""
    u = counter_uniforms(secrets, purpose, row_index)
    if distribution == "normal":  # Box–Muller
        z = np.sqrt(-2.0 * np.log(u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])
    elif distribution == "laplace":
        p = u[:, 0] - 0.5
        z = -np.sign(p) * np.log1p(-2.0 * np.abs(p))
    else:
        z = 2.0 * u[:, 0] - 1.0
    noise = z * scale
    if relative:
        noise = noise * np.abs(values)
    return values + noise
