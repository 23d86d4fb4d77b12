"""The contract's table of moves (contracts/workflow.py), tested whole."""

import itertools

import pytest
from django.db import transaction

from contracts.enums import ContractStatus as S
from contracts.models import Contract, ContractTransition
from contracts.workflow import ALLOWED_MOVES, ContractTransitionError, transition
from tests.contracts.helpers import applied_contract

pytestmark = pytest.mark.django_db

ALL_MOVES = list(itertools.permutations(S.values, 2))


def test_the_table_is_the_documented_lifecycle():
    assert sorted(ALLOWED_MOVES) == sorted(
        [
            (S.APPLIED, S.PAYMENT_PENDING),
            (S.PAYMENT_PENDING, S.PAID),
            (S.PAID, S.PAYMENT_PENDING),
            (S.PAID, S.CONCLUDED),
            (S.CONCLUDED, S.EXPIRED),
            (S.CONCLUDED, S.CANCELLED),
        ]
    )


@pytest.mark.parametrize(("from_status", "to_status"), ALL_MOVES)
def test_transition_follows_the_table(from_status, to_status, chief_manager):
    contract = applied_contract()
    Contract.objects.filter(pk=contract.pk).update(status=from_status)
    before = ContractTransition.objects.filter(contract=contract).count()

    if (from_status, to_status) in ALLOWED_MOVES:
        with transaction.atomic():
            moved = transition(contract, to_status, actor=chief_manager, reason="試験")
        assert moved.status == to_status
        log = ContractTransition.objects.filter(contract=contract).order_by("-id")
        assert log.count() == before + 1
        assert (log[0].from_status, log[0].to_status, log[0].actor_name) == (
            from_status,
            to_status,
            chief_manager.display_name or chief_manager.get_username(),
        )
    else:
        with pytest.raises(ContractTransitionError), transaction.atomic():
            transition(contract, to_status, actor=chief_manager)
        contract.refresh_from_db()
        assert contract.status == from_status
        assert ContractTransition.objects.filter(contract=contract).count() == before
