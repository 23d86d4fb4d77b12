import factory
from django.db.models.signals import m2m_changed, post_save, pre_save

from portal.accounts.models import Organization, User
from portal.accounts.roles import StaffRole, organization_grant_manager, role_group


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"第{n}局第{n}課")
    postal_code = "100-8926"
    address = "東京都千代田区霞が関2-1-2"


# Personas exist before the test begins: their set-up (account flags, role, object permission) is not
# written to the access records, as fixtures loaded raw are not (portal/audit/signals.py).
SET_UP_SIGNALS = (pre_save, post_save, m2m_changed)


@factory.django.mute_signals(*SET_UP_SIGNALS)
class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.go.jp")
    last_name = "試験"
    first_name = factory.Sequence(lambda n: f"太郎{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def persist(self, create, extracted, **kwargs):
        if create:
            self.save()


def staff_user(role: StaffRole, *, organization: Organization | None = None, **fields) -> User:
    """A staff member holding `role`; managers of `organization` get its object permission."""
    user = UserFactory(is_staff=True, organization=organization, **fields)
    with factory.django.mute_signals(*SET_UP_SIGNALS):
        user.groups.add(role_group(role))
        if organization is not None:
            organization_grant_manager(user=user, organization=organization)
    return user
