import pytest

from tests.factories.proposals import ProposerFactory


@pytest.fixture
def proposer():
    """An individual with a completed profile, signed-in-able."""
    return ProposerFactory()


@pytest.fixture
def proposer_client(client, proposer):
    client.force_login(proposer.user)
    return client
