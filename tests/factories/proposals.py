import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from proposals.disqualification import CORPORATION_GROUNDS, INDIVIDUAL_GROUNDS
from proposals.enums import AttachmentKind, DeliveryMethod, ProposerKind
from proposals.models import Proposal, ProposalCall, Proposer, ProposerOfficer
from proposals.services.proposals import proposal_attach
from tests.factories.accounts import UserFactory
from tests.factories.registry import RegisterEntryFactory

# A valid 法人番号 (check digit 5): python-stdnum's documented example.
CORPORATE_NUMBER = "5835678256246"


def pdf_bytes(text: str = "test") -> bytes:
    """A minimal, valid one-page PDF."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(name), content_type="application/pdf")


class ProposalCallFactory(factory.django.DjangoModelFactory):
    """A call whose guidelines are published and which is open now (for 60 days)."""

    class Meta:
        model = ProposalCall
        skip_postgeneration_save = True

    fiscal_year = factory.LazyFunction(lambda: _fiscal_year(timezone.localdate()))
    title = factory.Sequence(lambda n: f"令和8年度 第{n}回 行政機関等匿名加工情報の提案の募集")
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda call: call.opens_at + datetime.timedelta(days=60))
    guidelines_published_at = factory.LazyAttribute(lambda call: call.opens_at - datetime.timedelta(days=7))
    purpose = "提案を募集します。"
    eligibility = "欠格事由に該当しない者。"
    documents = "提案書、誓約書。"
    submission = "ポータルから提出。"
    screening = "法第114条の基準。"
    contract_flow = "通知の後、契約。"
    fees = "21,000円から。"
    contact = "個人情報保護試験室"

    @factory.post_generation
    def entries(self, create, extracted, **kwargs):
        if create:
            self.entries.set(
                extracted
                or [RegisterEntryFactory(eligible=True, open_for_proposals=True, proposal_office="（名称）試験室")]
            )


def _fiscal_year(day):
    from portal.jdates import fiscal_year

    return fiscal_year(day)


class ProposerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposer

    user = factory.SubFactory(UserFactory)
    kind = ProposerKind.INDIVIDUAL
    name = factory.Sequence(lambda n: f"提案 太郎{n}")
    name_kana = "テイアン タロウ"
    postal_code = "100-0001"
    address = "東京都千代田区千代田1-1"
    phone = "03-0000-0000"
    date_of_birth = datetime.date(1980, 4, 1)

    class Params:
        corporation = factory.Trait(
            kind=ProposerKind.CORPORATION,
            name=factory.Sequence(lambda n: f"株式会社データ活用{n}"),
            date_of_birth=None,
            corporate_number=CORPORATE_NUMBER,
            representative_name="代表 一郎",
            representative_title="代表取締役",
        )


class ProposerOfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposerOfficer

    proposer = factory.SubFactory(ProposerFactory, corporation=True)
    name = factory.Sequence(lambda n: f"役員 次郎{n}")
    name_kana = "ヤクイン ジロウ"
    title = "取締役"
    date_of_birth = datetime.date(1975, 6, 15)


def clean_declarations(proposer: Proposer) -> dict:
    """Every ground answered 該当しない, for the proposer and each officer."""
    own = CORPORATION_GROUNDS if proposer.is_corporation else INDIVIDUAL_GROUNDS
    return {
        "proposer": {ground.value: False for ground in own},
        "officers": {
            str(officer.pk): {ground.value: False for ground in INDIVIDUAL_GROUNDS}
            for officer in proposer.officers.all()
        },
    }


def complete_processing(entry) -> dict:
    return {
        "items": [{"item": item.pk, "name": item.name, "action": "keep"} for item in entry.recorded_items.all()],
        "records": {"selection": "all"},
    }


class ProposalFactory(factory.django.DjangoModelFactory):
    """A complete draft on an open call: submitting it succeeds."""

    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    proposer = factory.SubFactory(ProposerFactory)
    call = factory.SubFactory(ProposalCallFactory)
    entry = factory.LazyAttribute(lambda proposal: proposal.call.entries.first())
    created_by = factory.LazyAttribute(lambda proposal: proposal.proposer.user)
    subject_count = 5_000
    processing_request = factory.LazyAttribute(lambda proposal: complete_processing(proposal.entry))
    purpose = "地域別の受験動向の分析"
    method = "統計的な集計のみに用いる"
    business_content = "教育サービスの改善"
    use_period_start = datetime.date(2027, 4, 1)
    use_period_end = datetime.date(2028, 3, 31)
    security_measures = "アクセス制御と暗号化を行う"
    delivery_method = DeliveryMethod.ONLINE
    declarations = factory.LazyAttribute(lambda proposal: clean_declarations(proposal.proposer))

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        if create and extracted is not False:
            for kind in (AttachmentKind.DECLARATION, AttachmentKind.CONTRIBUTION, AttachmentKind.IDENTITY):
                proposal_attach(proposal=self, actor=self.proposer.user, kind=kind, upload=pdf_upload(f"{kind}.pdf"))
