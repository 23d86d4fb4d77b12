"""Processing secrets (加工方法等情報 / 削除情報等): keys and seeds in, what could undo the processing out.

seed 002 3-3-1: the parameters of a replacement algorithm (random numbers, keys) and an original ↔
pseudonymous-ID table can restore the original, so they are kept apart from the dataset and locked away.
The engine takes them from the caller (never from a global RNG or the plan) and hands back what it used in a
:class:`SecretRecord` that the Django layer encrypts into the vault. Neither object prints its content:
``repr`` and ``str`` are redacted so that a log line or an exception cannot carry a key.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import SecretsError

MIN_KEY_BYTES = 16


def _purpose_words(purpose: str) -> list[int]:
    digest = hashlib.sha256(purpose.encode("utf-8")).digest()
    return list(np.frombuffer(digest[:16], dtype=np.uint32))


@dataclass(frozen=True, repr=False, eq=False)
class ProcessingSecrets:
    """Keys (per recipient, rotated per delivery) and the seed for every random step of one run.

    ``keys`` maps a key name used in the plan (``pseudonymize: {key: ...}``, default ``"pseudonym"``) to at
    least 16 random bytes. ``seed`` drives sampling, swapping and noise: the same plan, data and secrets
    always give the same output.
    """

    keys: dict[str, bytes]
    seed: int

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise SecretsError("処理用の秘密情報の seed は 0 以上の整数でなければなりません")
        for name, key in self.keys.items():
            if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_BYTES:
                raise SecretsError(f'処理用の秘密情報の鍵 "{name}" は {MIN_KEY_BYTES} バイト以上の乱数にしてください')

    @classmethod
    def generate(cls, key_names: tuple[str, ...] = ("pseudonym",)) -> ProcessingSecrets:
        """Fresh random keys and seed from the OS CSPRNG: one set per recipient and delivery.

        A key is 43 random base64url characters (256 bits) kept as their ASCII bytes: text keys let the
        vectorised HMAC kernel take the key as is (see :mod:`anonymizer.engine.pseudonym`).
        """
        return cls(keys={n: secrets.token_urlsafe(32).encode("ascii") for n in key_names}, seed=secrets.randbits(128))

    def key(self, name: str) -> bytes:
        try:
            return bytes(self.keys[name])
        except KeyError:
            raise SecretsError(f'処理用の秘密情報に鍵 "{name}" がありません') from None

    def rng(self, purpose: str) -> np.random.Generator:
        """A generator for one purpose (e.g. ``"sample"``, ``"swap:年齢"``), independent of the others."""
        seq = np.random.SeedSequence([*self._seed_words(), *_purpose_words(purpose)])
        return np.random.Generator(np.random.Philox(seq))

    def philox_key(self, purpose: str) -> np.ndarray:
        """A 128-bit Philox key for counter-based draws (row ``i`` always gets the same numbers)."""
        seq = np.random.SeedSequence([*self._seed_words(), *_purpose_words(purpose)])
        return seq.generate_state(2, dtype=np.uint64)

    def _seed_words(self) -> list[int]:
        s, words = self.seed, []
        while True:
            words.append(s & 0xFFFFFFFF)
            s >>= 32
            if not s:
                return words

    def to_dict(self) -> dict[str, Any]:
        return {"keys": {n: bytes(k).hex() for n, k in self.keys.items()}, "seed": self.seed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProcessingSecrets:
        try:
            return cls(keys={n: bytes.fromhex(k) for n, k in data["keys"].items()}, seed=int(data["seed"]))
        except (KeyError, TypeError, ValueError):
            raise SecretsError("処理用の秘密情報の形式が不正です") from None

    def __repr__(self) -> str:
        return f"ProcessingSecrets(keys=<{len(self.keys)} 件・秘匿>, seed=<秘匿>)"

    __str__ = __repr__


@dataclass(repr=False, eq=False)
class SecretRecord:
    """What one run used or removed that could restore the originals (加工方法等情報 / 削除情報等).

    Returned beside the output table, never inside it; the caller encrypts :meth:`to_json` into the vault.
    ``id_maps`` (pseudonym → original) and ``deleted`` (column → removed values) are filled only when the
    plan or the caller asks for them (``retain_map`` / ``retain_deleted``).
    """

    plan_digest: str
    mode: str
    secrets: ProcessingSecrets
    keys_used: dict[str, str] = field(default_factory=dict)  # key name -> algorithm
    id_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        body = {
            "plan_digest": self.plan_digest,
            "mode": self.mode,
            "secrets": self.secrets.to_dict(),
            "keys_used": self.keys_used,
            "id_maps": self.id_maps,
            "deleted": self.deleted,
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def __repr__(self) -> str:
        return f"SecretRecord(plan={self.plan_digest[:12]}…, mode={self.mode}, 内容=<秘匿>)"

    __str__ = __repr__
