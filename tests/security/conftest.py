import pytest

from tests.factories.accounts import UserFactory
from tests.security.helpers import staff_device

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def enrolled_staff(chief_manager):
    """A chief manager with a confirmed authenticator (TEST_TOTP_KEY)."""
    staff_device(chief_manager)
    return chief_manager


@pytest.fixture
def plain_user():
    return UserFactory(username="teian")


@pytest.fixture
def proposer():
    """An individual proposer with a completed profile (as in tests/proposals/conftest.py)."""
    from tests.factories.proposals import ProposerFactory

    return ProposerFactory()
