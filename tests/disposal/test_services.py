"""disposal_certify (seed 004 第10条): the record, its number, its PDF; bad input leaves nothing behind."""

import datetime
import hashlib
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import models

from contracts.enums import ReportKind
from contracts.models import ContractReport
from portal.audit.models import AccessRecord
from portal.disposal.enums import DisposalMethod
from portal.disposal.models import DisposalCertificate
from portal.disposal.services import DisposalError, certificate_number, disposal_certify
from portal.models import NumberSeries
from tests.contracts.helpers import applied_contract
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db

SHA = hashlib.sha256(b"plaintext").hexdigest()


def _certify(actor, **overrides):
    arguments = {
        "object_type": "anonymizer.anonymizeddataset",
        "object_id": "0b6f1c3e-1d2a-4c1b-9a55-2f7f0d3c9e10",
        "description": "試験用個人情報ファイルから作成した行政機関等匿名加工情報",
        "method": DisposalMethod.CRYPTO_ERASE,
        "actor": actor,
        "reason": "利用期間の満了により不要となったため",
        "sha256": SHA,
        "key_id": "test",
        **overrides,
    }
    return disposal_certify(**arguments)


def test_a_certificate_records_the_disposal_and_its_pdf(protection_manager):
    certificate = _certify(protection_manager)

    certificate.refresh_from_db()
    pdf = certificate.pdf.read()
    assert certificate.method == DisposalMethod.CRYPTO_ERASE
    assert (certificate.sha256, certificate.key_id) == (SHA, "test")
    assert (certificate.actor_id, certificate.actor_user_id) == (protection_manager.pk, protection_manager.pk)
    assert certificate.actor_name == protection_manager.display_name
    assert certificate.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert certificate.pdf_size == len(pdf)
    assert pdf.startswith(b"%PDF")


def test_the_pdf_names_the_disposal(protection_manager):
    certificate = _certify(protection_manager)

    text = pdf_text(certificate.pdf.read())
    assert "消去証明書" in text
    assert certificate.certificate_number in text
    assert "第10条" in text
    assert "暗号鍵の消去による消去（crypto-erase）＋ファイルの削除" in text
    assert "試験用個人情報ファイルから作成した行政機関等匿名加工情報" in text
    assert "利用期間の満了により不要となったため" in text
    assert SHA in text
    assert protection_manager.display_name.replace(" ", "") in text
    assert "令和" in text


def test_certificates_are_numbered_per_fiscal_year_without_gaps(protection_manager):
    first, second = _certify(protection_manager), _certify(protection_manager)

    year = first.fiscal_year
    assert first.certificate_number == certificate_number(year, 1)
    assert second.certificate_number == certificate_number(year, 2)
    assert NumberSeries.objects.get(key=f"disposal-certificate-{year}").last == 2


def test_the_number_reads_as_a_japanese_document_number():
    assert certificate_number(2026, 7) == "令和8年度消去証明第7号"


def test_a_refused_certificate_uses_no_number(protection_manager):
    _certify(protection_manager)
    with pytest.raises(DisposalError):
        _certify(protection_manager, reason="")

    third = _certify(protection_manager)

    assert third.certificate_number.endswith("第2号")


def test_the_fiscal_year_starts_in_april(protection_manager, monkeypatch):
    march = datetime.datetime(2027, 3, 31, 23, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    monkeypatch.setattr("portal.disposal.services.timezone.now", lambda: march)

    certificate = _certify(protection_manager)

    assert certificate.fiscal_year == 2026
    assert certificate.certificate_number == "令和8年度消去証明第1号"


def test_an_access_record_is_written(protection_manager):
    certificate = _certify(protection_manager)

    record = AccessRecord.objects.get(object_type="disposal.disposalcertificate")
    assert (record.action, record.object_id, record.actor_id) == ("create", str(certificate.pk), protection_manager.pk)
    assert record.detail == {"disposed_type": "anonymizer.anonymizeddataset", "method": "crypto_erase"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reason": "  "}, "消去の理由を入力してください。"),
        ({"description": ""}, "消去した情報（種類・識別子・内容）を指定してください。"),
        ({"object_id": ""}, "消去した情報（種類・識別子・内容）を指定してください。"),
        ({"object_type": ""}, "消去した情報（種類・識別子・内容）を指定してください。"),
        ({"method": "shredder"}, "消去の方法が正しくありません。"),
        ({"sha256": "not-a-hash"}, "SHA-256 は16進数64桁で指定してください。"),
        ({"key_id": ""}, "暗号鍵の消去による消去では、データ鍵を保護していたマスター鍵を指定してください。"),
        ({"object_id": "x" * 65}, "消去した情報の種類・識別子又はマスター鍵の指定が長すぎます。"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_nothing_is_saved(protection_manager, overrides, message):
    with pytest.raises(DisposalError) as raised:
        _certify(protection_manager, **overrides)

    assert str(raised.value) == message
    assert DisposalCertificate.objects.count() == 0
    assert not AccessRecord.objects.filter(object_type="disposal.disposalcertificate").exists()


def test_other_methods_need_no_key(protection_manager):
    certificate = _certify(protection_manager, method=DisposalMethod.MEDIA_DESTRUCTION, key_id="", sha256="")

    assert certificate.get_method_display() == "記録媒体の物理的な破壊"
    assert "マスター鍵" not in pdf_text(certificate.pdf.read())


def test_a_crypto_erase_certificate_says_until_when_backups_may_hold_a_copy(protection_manager, monkeypatch, settings):
    settings.PORTAL_BACKUP_RETENTION_DAYS = 90
    disposed = datetime.datetime(2026, 11, 23, 23, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    monkeypatch.setattr("portal.disposal.services.timezone.now", lambda: disposed)

    text = pdf_text(_certify(protection_manager).pdf.read())

    # seed 004 第10条 / docs/backup.md: sets taken before 23 Nov expire 90 days on; the daily prune takes a day.
    assert "バックアップに残る複製" in text
    assert "消去前に作成したバックアップには、この情報が暗号化された状態" in text  # pdftotext may break the line
    assert "保存期間（90日）を過ぎたものから削除し、この情報を含むものは令和9年2月22日までに" in text
    assert "令和9年2月22日までにすべて削除されます。" in text


@pytest.mark.parametrize("method", [DisposalMethod.MEDIA_DESTRUCTION, DisposalMethod.CONTRACTOR_DELETION])
def test_a_disposal_outside_the_portals_storage_says_nothing_of_backups(protection_manager, method):
    text = pdf_text(_certify(protection_manager, method=method, key_id="").pdf.read())

    assert "バックアップ" not in text


@pytest.mark.parametrize("actor", [None, "anonymous"])
def test_only_a_signed_in_user_certifies(actor):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        _certify(AnonymousUser() if actor == "anonymous" else None)
    assert DisposalCertificate.objects.count() == 0


def _deletion_report(contract, kind=ReportKind.DELETION):
    return ContractReport.objects.create(
        contract=contract, kind=kind, body="全ての複製を消去しました。", submitted_by_name="契約 次郎"
    )


def test_a_contractors_deletion_report_is_linked_and_printed(protection_manager):
    contract = applied_contract()
    report = _deletion_report(contract)

    certificate = _certify(
        protection_manager, method=DisposalMethod.CONTRACTOR_DELETION, key_id="", contractor_report=report
    )

    assert (certificate.contract, certificate.contractor_report) == (contract, report)
    assert certificate.organization == contract.proposal.entry.organization
    assert certificate.organization_name == contract.proposal.entry.organization.name
    text = pdf_text(certificate.pdf.read())
    assert "契約相手方からの削除の報告" in text
    assert "契約相手方による消去（消去の報告により確認）" in text


def test_a_report_of_another_kind_is_refused(protection_manager):
    report = _deletion_report(applied_contract(), kind=ReportKind.USAGE)

    with pytest.raises(DisposalError, match="利用期間終了後の削除の報告"):
        _certify(protection_manager, contractor_report=report)
    assert DisposalCertificate.objects.count() == 0


def test_a_report_of_another_contract_is_refused(protection_manager):
    report = _deletion_report(applied_contract())

    with pytest.raises(DisposalError, match="指定した契約のものではありません"):
        _certify(protection_manager, contract=applied_contract(), contractor_report=report)
    assert DisposalCertificate.objects.count() == 0


def test_the_record_outlives_what_it_names():
    foreign_keys = [field for field in DisposalCertificate._meta.fields if field.is_relation]

    assert {field.name for field in foreign_keys} == {"actor", "organization", "contract", "contractor_report"}
    assert {field.remote_field.on_delete for field in foreign_keys} == {models.SET_NULL}
