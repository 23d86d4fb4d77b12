import factory
from django.utils import timezone

from portal.disposal.enums import DisposalMethod
from portal.disposal.models import DisposalCertificate

_SHA = "ab" * 32


class DisposalCertificateFactory(factory.django.DjangoModelFactory):
    """A certificate row without its PDF (for lists, selectors, the audit section); a certificate as issued
    comes from portal.disposal.services.disposal_certify."""

    class Meta:
        model = DisposalCertificate

    fiscal_year = 2026
    certificate_number = factory.Sequence(lambda n: f"令和8年度消去証明第{n + 1}号")
    object_type = "anonymizer.anonymizeddataset"
    object_id = factory.Faker("uuid4")
    description = "試験用の行政機関等匿名加工情報"
    method = DisposalMethod.CRYPTO_ERASE
    key_id = "test"
    sha256 = _SHA
    disposed_at = factory.LazyFunction(timezone.now)
    actor_name = "試験 太郎"
    reason = "利用期間の満了"
