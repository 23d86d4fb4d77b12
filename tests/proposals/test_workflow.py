import itertools

import pytest
from django.db import transaction

from proposals.enums import ProposalStatus
from proposals.workflow import ALLOWED_MOVES, TransitionError, transition
from tests.factories.proposals import ProposalFactory

pytestmark = pytest.mark.django_db

ALL_MOVES = list(itertools.permutations(ProposalStatus.values, 2))


@pytest.mark.parametrize(("source", "target"), ALL_MOVES)
def test_the_transition_table_is_enforced(source, target, chief_manager):
    proposal = ProposalFactory(documents=False)
    type(proposal).objects.filter(pk=proposal.pk).update(status=source)

    if (source, target) in ALLOWED_MOVES:
        with transaction.atomic():
            moved = transition(proposal, target, actor=chief_manager, reason="試験")
        assert moved.status == target
        assert list(proposal.transitions.values_list("from_status", "to_status", "actor_name")) == [
            (source, target, chief_manager.display_name)
        ]
    else:
        with pytest.raises(TransitionError, match="からは"), transaction.atomic():
            transition(proposal, target, actor=chief_manager)
        assert proposal.transitions.count() == 0
        assert type(proposal).objects.get(pk=proposal.pk).status == source


@pytest.mark.django_db(transaction=True)
def test_transition_refuses_to_run_outside_a_transaction(chief_manager):
    proposal = ProposalFactory(documents=False)

    with pytest.raises(RuntimeError):
        transition(proposal, ProposalStatus.SUBMITTED, actor=chief_manager)
