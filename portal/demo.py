"""Demo data for `manage.py seed_demo`: staff accounts for every role, then each app's data."""

from django.db import transaction

from portal.accounts.models import Organization, User
from portal.accounts.roles import StaffRole, organization_grant_manager, role_group

DEMO_PASSWORD = "demo-Portal-2026"  # noqa: S105 - printed by `make demo`; set only by this demo loader

# username, family name, given name, role, organization whose files they manage
DEMO_STAFF = [
    ("chief", "総括", "一郎", StaffRole.CHIEF_MANAGER, None),
    ("pmanager", "保護", "花子", StaffRole.PROTECTION_MANAGER, "健康局健康課"),
    ("pofficer", "担当", "次郎", StaffRole.PROTECTION_OFFICER, "健康局健康課"),
    ("auditor", "監査", "三郎", StaffRole.AUDIT_OFFICER, None),
    ("screener", "審査", "四郎", StaffRole.SCREENER, None),
    ("approver", "決裁", "五郎", StaffRole.APPROVER, None),
]


def _user(username: str, **fields) -> User:
    user = User.objects.filter(username=username).first() or User(username=username)
    for name, value in fields.items():
        setattr(user, name, value)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@transaction.atomic
def seed_staff() -> dict[str, User]:
    """The demo staff (one per role) and a superuser `admin` for set-up; returns them by username."""
    from files_registry.demo import seed_organizations

    organizations = seed_organizations()
    users = {"admin": _user("admin", is_staff=True, is_superuser=True, email="admin@example.go.jp")}
    for username, last_name, first_name, role, organization_name in DEMO_STAFF:
        organization = organizations.get(organization_name) if organization_name else None
        user = _user(
            username,
            last_name=last_name,
            first_name=first_name,
            email=f"{username}@example.go.jp",
            is_staff=True,
            organization=organization or Organization.objects.get(name="大臣官房総務課"),
        )
        user.groups.set([role_group(role)])
        if organization is not None:
            organization_grant_manager(user=user, organization=organization)
        users[username] = user
    return users


def seed_demo() -> dict:
    """Load every app's demo data (idempotent); returns counts for the command to print."""
    from anonymizer.demo import seed_anonymizer
    from files_registry.demo import seed_register
    from files_registry.models import RegisterEntry
    from portal.security.demo import demo_staff_totp
    from proposals.demo import seed_calls, seed_proposers

    users = seed_staff()
    seed_register(actor=users["chief"])
    seed_anonymizer(manager=users["pmanager"], actor=users["chief"])
    entries = RegisterEntry.objects.count()
    return {
        "staff": len(users),
        "totp_secret": demo_staff_totp(users.values()),
        "register_entries": entries,
        "calls": seed_calls(actor=users["chief"]),
        "proposers": len(seed_proposers(password=DEMO_PASSWORD)),
    }
