import factory
from django.utils import timezone

from files_registry.enums import FileType
from files_registry.models import AnonymizedDatasetSummary, RegisterEntry
from files_registry.services import entry_set_recorded_items
from tests.factories.accounts import OrganizationFactory


class RegisterEntryFactory(factory.django.DjangoModelFactory):
    """A published register entry; items=[...] sets its 記録項目 and eligible=True confirms ①②③."""

    class Meta:
        model = RegisterEntry
        skip_postgeneration_save = True

    register_number = factory.Sequence(lambda n: f"T-{n:05d}")
    name = factory.Sequence(lambda n: f"試験用個人情報ファイル{n}")
    organization = factory.SubFactory(OrganizationFactory)
    purpose = "試験の実施のために利用する。"
    record_scope = "試験の受験者"
    collection_method = "申込書により本人から収集した。"
    file_type = FileType.COMPUTER
    subject_count = 50_000

    class Params:
        eligible = factory.Trait(
            eligibility_registered=True,
            eligibility_registered_at=factory.LazyFunction(timezone.now),
            eligibility_disclosable=True,
            eligibility_disclosable_at=factory.LazyFunction(timezone.now),
            eligibility_processable=True,
            eligibility_processable_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if create:
            entry_set_recorded_items(entry=self, names=list(extracted or ["氏名", "生年月日", "住所"]))


class AnonymizedDatasetSummaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnonymizedDatasetSummary

    entry = factory.SubFactory(RegisterEntryFactory)
    subject_count = 10_000
    created_on = factory.Faker("date_this_decade")
