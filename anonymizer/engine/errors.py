"""Errors raised by the engine.

Every message is Japanese, meant for the person who wrote the plan or runs the job, and never contains a
data value or a processing secret: a failing operation is reported by column and operation name only, and
the original exception is not chained (``from None``) so that a traceback cannot carry the value either.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class: something the caller must fix (plan, input, secrets)."""


class PlanError(EngineError):
    """A processing plan is invalid. ``messages`` lists every problem found, one Japanese sentence each."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("処理計画に誤りがあります:\n" + "\n".join(f"- {m}" for m in self.messages))


class InputError(EngineError):
    """The input table or file cannot be read or does not match the plan."""


class OperationError(EngineError):
    """An operation failed on the data. The message names the column and the operation, never a value."""


class SecretsError(EngineError):
    """The processing secrets supplied by the caller are missing or unusable."""
