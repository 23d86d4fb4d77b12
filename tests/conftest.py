"""Personas and shared fixtures (STYLE: personas as fixtures)."""

import pytest

from portal.accounts.roles import StaffRole
from tests.factories.accounts import OrganizationFactory, UserFactory, staff_user

# force_login() of a staff user also marks the session as verified by their TOTP device.
pytest_plugins = ["tests.security.plugin"]


@pytest.fixture
def organization():
    return OrganizationFactory(name="健康局健康課")


@pytest.fixture
def other_organization():
    return OrganizationFactory(name="年金局事業管理課")


@pytest.fixture
def chief_manager():
    return staff_user(StaffRole.CHIEF_MANAGER)


@pytest.fixture
def protection_manager(organization):
    return staff_user(StaffRole.PROTECTION_MANAGER, organization=organization)


@pytest.fixture
def audit_officer():
    return staff_user(StaffRole.AUDIT_OFFICER)


@pytest.fixture
def real_broker():
    """Publish tasks to the configured broker (Redis in CI, the file-system broker otherwise)
    instead of running them in the test process."""
    from portal.celery import app

    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def outsider():
    """Signed in, but no staff role at all."""
    return UserFactory()
