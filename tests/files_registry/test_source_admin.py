"""The source-file screen (原データ, admin): upload checked by content and stored encrypted (seed 004 第18条),
only the managers' own organizations (第5条), destruction with a reason and a disposal certificate (第10条)."""

import hashlib
import io
from pathlib import Path

import openpyxl
import pyarrow
import pyarrow.parquet
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from files_registry.models import SourceFile
from files_registry.sources import source_file_read, source_file_store
from portal import crypto
from portal.accounts.roles import StaffRole
from portal.audit.models import AccessRecord
from portal.disposal.enums import DisposalMethod
from portal.disposal.models import DisposalCertificate
from portal.uploads import protected_storage
from tests.factories.accounts import staff_user
from tests.factories.proposals import pdf_bytes
from tests.factories.registry import RegisterEntryFactory
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db

ADD = reverse("admin:files_registry_sourcefile_add")
CHANGELIST = reverse("admin:files_registry_sourcefile_changelist")
CSV = "受験番号,氏名,住所\n1,試験 太郎,東京都千代田区霞が関\n2,試験 花子,大阪府大阪市北区\n"


def _xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["受験番号", "氏名"])
    workbook.active.append([1, "試験 太郎"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _parquet() -> bytes:
    out = io.BytesIO()
    pyarrow.parquet.write_table(pyarrow.table({"受験番号": [1, 2], "氏名": ["試験 太郎", "試験 花子"]}), out)
    return out.getvalue()


def _change(source) -> str:
    return reverse("admin:files_registry_sourcefile_change", args=[source.pk])


def _destroy(source) -> str:
    return reverse("admin:files_registry_sourcefile_destroy", args=[source.pk])


def _stored_files() -> set[Path]:
    folder = Path(protected_storage.path("files_registry/sourcefile"))
    return set(folder.iterdir()) if folder.exists() else set()


@pytest.fixture
def entry(organization):
    return RegisterEntryFactory(organization=organization)


@pytest.fixture
def other_entry(other_organization):
    return RegisterEntryFactory(organization=other_organization)


@pytest.fixture
def stranger(other_organization):
    """A protection manager of another organization."""
    return staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)


@pytest.fixture
def source(entry, protection_manager):
    return source_file_store(entry=entry, upload=ContentFile(CSV.encode(), name="受験者.csv"), actor=protection_manager)


def _upload(client, entry, name: str, content: bytes):
    return client.post(ADD, {"entry": entry.pk, "file": SimpleUploadedFile(name, content)})


# --- upload ---


def test_a_manager_uploads_a_source_file_and_it_is_stored_encrypted(client, protection_manager, entry):
    client.force_login(protection_manager)
    content = CSV.encode()

    response = _upload(client, entry, "受験者.csv", content)

    source = SourceFile.objects.get()
    assert response.status_code == 302 and response["Location"] == _change(source)
    assert (source.entry, source.original_name, source.uploaded_by) == (entry, "受験者.csv", protection_manager)
    assert (source.size, source.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    stored = Path(protected_storage.path(source.stored_name)).read_bytes()
    assert stored != content and "試験 太郎".encode() not in stored and b"1," not in stored[:16]
    assert b"".join(source_file_read(source=source, actor=protection_manager)) == content
    record = AccessRecord.objects.get(action="create", object_type="files_registry.sourcefile")
    assert (record.actor_id, record.object_id) == (protection_manager.pk, str(source.pk))
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["「受験者.csv」（CSV（UTF-8））を暗号化して登録しました。"]


@pytest.mark.parametrize(
    ("name", "content", "label"),
    [
        ("utf8_bom.csv", "\ufeff".encode() + CSV.encode(), "CSV（UTF-8）"),
        ("sjis.csv", CSV.encode("cp932"), "CSV（Shift_JIS）"),
        ("book.xlsx", _xlsx(), "Excel（.xlsx）"),
        ("table.PARQUET", _parquet(), "Parquet"),
    ],
)
def test_every_accepted_format_is_stored(client, protection_manager, entry, name, content, label):
    client.force_login(protection_manager)

    response = _upload(client, entry, name, content)

    assert response.status_code == 302
    source = SourceFile.objects.get()
    assert source.sha256 == hashlib.sha256(content).hexdigest()
    assert [str(message) for message in response.wsgi_request._messages] == [
        f"「{name}」（{label}）を暗号化して登録しました。"
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notice.pdf", pdf_bytes(), "「notice.pdf」は登録できない形式です。"),
        ("no_extension", CSV.encode(), "「no_extension」は登録できない形式です。"),
        ("disguised.csv", pdf_bytes(), "「disguised.csv」の内容はCSV（テキスト）ではありません。"),
        ("book.csv", _xlsx(), "「book.csv」の内容はCSV（テキスト）ではありません。"),
        ("binary.csv", b"abc\x00def\n", "「binary.csv」の内容はCSV（テキスト）ではありません。"),
        ("latin1.csv", "café,naïve\n".encode("latin-1") + b"\xff\n", "「latin1.csv」の文字コードを読み取れません。"),
        ("bad_sjis.csv", b"\x81\x20,a\n", "「bad_sjis.csv」の文字コードを読み取れません。"),
        ("control.csv", b"a,b\x1b[31m\n", "「control.csv」の文字コードを読み取れません。"),
        ("text.xlsx", CSV.encode(), "「text.xlsx」の内容は Excel（.xlsx）ではありません。"),
        ("zip.xlsx", b"PK\x03\x04" + b"\x00" * 40, "「zip.xlsx」の内容は Excel（.xlsx）ではありません。"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "「old.xlsx」はパスワードで保護された"),
        ("text.parquet", CSV.encode(), "「text.parquet」は Parquet として読み込めません。"),
        ("cut.parquet", _parquet()[:-20] + b"PAR1", "「cut.parquet」は Parquet として読み込めません。"),
        ("empty.csv", b"", "空のファイルは登録できません。"),
    ],
)
def test_a_bad_file_is_refused_in_japanese_and_nothing_is_stored(
    client, protection_manager, entry, name, content, message
):
    client.force_login(protection_manager)
    before = _stored_files()

    response = _upload(client, entry, name, content)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert SourceFile.objects.count() == 0
    assert _stored_files() == before
    assert not AccessRecord.objects.filter(object_type="files_registry.sourcefile").exists()


def test_a_file_over_the_limit_is_refused(client, protection_manager, entry, settings):
    settings.SOURCE_FILE_MAX_BYTES = 2048
    client.force_login(protection_manager)

    response = _upload(client, entry, "big.csv", b"a,b\n" * 600)

    assert response.status_code == 200
    assert "「big.csv」が大きすぎます（上限 2,048 バイト）。" in response.content.decode()
    assert SourceFile.objects.count() == 0


def test_the_temporary_upload_file_is_removed(client, protection_manager, entry, settings, tmp_path):
    # Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file: the only plaintext copy on disk.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    client.force_login(protection_manager)

    accepted = _upload(client, entry, "a.csv", CSV.encode())
    refused = _upload(client, entry, "b.csv", pdf_bytes())

    assert (accepted.status_code, refused.status_code) == (302, 200)
    assert SourceFile.objects.count() == 1
    assert list(tmp_path.iterdir()) == []


def test_the_entry_must_be_one_the_user_manages(client, protection_manager, other_entry):
    client.force_login(protection_manager)

    response = _upload(client, other_entry, "a.csv", CSV.encode())

    assert response.status_code == 200
    assert "管理する個人情報ファイルから選択してください。" in response.content.decode()
    assert SourceFile.objects.count() == 0


def test_the_upload_form_offers_only_the_users_entries(client, protection_manager, entry, other_entry):
    client.force_login(protection_manager)

    response = client.get(ADD)

    assert response.status_code == 200
    assert list(response.context["form"].fields["entry"].queryset) == [entry]


def test_missing_entry_or_file_gives_japanese_errors(client, protection_manager, entry):
    client.force_login(protection_manager)

    page = client.post(ADD, {}).content.decode()

    assert "個人情報ファイルを選択してください。" in page and "ファイルを選択してください。" in page
    assert SourceFile.objects.count() == 0


def test_a_protection_officer_of_the_organization_may_upload(client, organization, entry):
    officer = staff_user(StaffRole.PROTECTION_OFFICER, organization=organization)
    client.force_login(officer)

    response = _upload(client, entry, "a.csv", CSV.encode())

    assert response.status_code == 302
    assert SourceFile.objects.get().uploaded_by == officer


@pytest.mark.parametrize("persona", ["chief_manager", "audit_officer"])
def test_who_manages_no_organization_may_not_upload(client, request, persona, entry):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(ADD).status_code == 403
    assert _upload(client, entry, "a.csv", CSV.encode()).status_code == 403
    assert SourceFile.objects.count() == 0


# --- who sees what ---


def _listed(client) -> list:
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_another_organizations_manager_sees_nothing_and_gets_404(client, source, stranger):
    client.force_login(stranger)

    assert _listed(client) == []
    assert client.get(_change(source)).status_code == 404
    assert client.get(reverse("admin:files_registry_sourcefile_history", args=[source.pk])).status_code == 404
    assert client.get(_destroy(source)).status_code == 404
    assert client.post(_destroy(source), {"reason": "不要", "confirm": "on"}).status_code == 404
    source.refresh_from_db()
    assert source.destroyed_at is None


def test_the_manager_sees_the_metadata_and_never_the_data(client, source, protection_manager):
    client.force_login(protection_manager)

    assert _listed(client) == [source]
    page = client.get(_change(source)).content.decode()

    for shown in ("受験者.csv", f"{source.size:,} バイト", source.sha256, source.uploaded_by_name, "消去する"):
        assert shown in page
    assert "霞が関" not in page and 'name="_save"' not in page


def test_the_chief_manager_has_a_read_only_list_of_every_file(client, chief_manager, source, other_entry, stranger):
    other = source_file_store(entry=other_entry, upload=ContentFile(b"a,b\n", name="other.csv"), actor=stranger)
    client.force_login(chief_manager)

    assert set(_listed(client)) == {source, other}
    page = client.get(_change(source)).content.decode()
    assert "消去する" not in page
    assert client.get(_destroy(source)).status_code == 403


@pytest.mark.parametrize("role", [StaffRole.AUDIT_OFFICER, StaffRole.SCREENER, StaffRole.APPROVER])
def test_other_roles_do_not_see_source_files(client, source, role, organization):
    client.force_login(staff_user(role, organization=organization))

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(_change(source)).status_code == 404  # no access answers as "does not exist"


def test_nobody_edits_or_deletes_a_row(client, source, protection_manager):
    client.force_login(protection_manager)

    assert client.post(_change(source), {"original_name": "x.csv"}).status_code == 403
    delete = reverse("admin:files_registry_sourcefile_delete", args=[source.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    source.refresh_from_db()
    assert (source.original_name, source.destroyed_at) == ("受験者.csv", None)


def _list_queries(client, entry, actor, count: int) -> int:
    SourceFile.objects.all().delete()
    for number in range(count):
        source_file_store(entry=entry, upload=ContentFile(b"a\n", name=f"{number}.csv"), actor=actor)
    client.get(CHANGELIST)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        assert len(_listed(client)) == count
    return len(queries)


def test_the_list_costs_the_same_queries_for_1_and_3(client, protection_manager, entry):
    client.force_login(protection_manager)

    assert _list_queries(client, entry, protection_manager, 1) == _list_queries(client, entry, protection_manager, 3)


# --- destruction ---


def test_destruction_needs_a_reason_and_a_confirmation(client, source, protection_manager):
    client.force_login(protection_manager)

    page = client.get(_destroy(source))
    no_reason = client.post(_destroy(source), {"reason": "   ", "confirm": "on"})
    no_confirmation = client.post(_destroy(source), {"reason": "保有期間の満了"})

    assert page.status_code == 200 and "消去して消去証明を発行する" in page.content.decode()
    assert "消去の理由を入力してください。" in no_reason.content.decode()
    assert "消去することを確認してください。" in no_confirmation.content.decode()
    source.refresh_from_db()
    assert (source.destroyed_at, bytes(source.wrapped_key) != b"") == (None, True)
    assert DisposalCertificate.objects.count() == 0


def test_destruction_crypto_erases_and_issues_a_certificate(
    client, source, protection_manager, django_capture_on_commit_callbacks
):
    path = Path(protected_storage.path(source.stored_name))
    client.force_login(protection_manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_destroy(source), {"reason": "保有期間の満了により不要となったため", "confirm": "on"})

    certificate = DisposalCertificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:disposal_disposalcertificate_change", args=[certificate.pk])
    source.refresh_from_db()
    assert source.wrapped_key is None and source.destroyed_at is not None
    assert not path.exists()
    with pytest.raises(crypto.DecryptionError):
        b"".join(source_file_read(source=source, actor=protection_manager))
    assert (certificate.object_type, certificate.object_id) == ("files_registry.sourcefile", str(source.public_id))
    assert (certificate.method, certificate.sha256, certificate.key_id) == (
        DisposalMethod.CRYPTO_ERASE,
        source.sha256,
        source.key_id,
    )
    assert certificate.organization == source.entry.organization
    assert certificate.reason == "保有期間の満了により不要となったため"
    assert "受験者.csv" in pdf_text(certificate.pdf.read())
    assert set(
        AccessRecord.objects.filter(
            object_type__in=["files_registry.sourcefile", "disposal.disposalcertificate"]
        ).values_list("object_type", "action")
    ) == {
        ("files_registry.sourcefile", "create"),
        ("files_registry.sourcefile", "delete"),
        ("disposal.disposalcertificate", "create"),
    }
    assert client.get(response["Location"]).status_code == 200
    assert certificate.certificate_number in client.get(_change(source)).content.decode()


def test_a_destroyed_file_is_not_destroyed_twice(client, source, protection_manager):
    client.force_login(protection_manager)
    client.post(_destroy(source), {"reason": "不要", "confirm": "on"})

    again = client.post(_destroy(source), {"reason": "不要", "confirm": "on"})

    assert again.status_code == 302 and again["Location"] == _change(source)
    assert DisposalCertificate.objects.count() == 1
    assert "消去する" not in client.get(_change(source)).content.decode()


def test_a_failed_certificate_leaves_the_file_intact(client, source, protection_manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the PDF could not be rendered")

    monkeypatch.setattr("portal.disposal.services.render_pdf", broken)
    client.raise_request_exception = False
    client.force_login(protection_manager)

    response = client.post(_destroy(source), {"reason": "不要", "confirm": "on"})

    assert response.status_code == 500
    source.refresh_from_db()
    assert source.destroyed_at is None and source.wrapped_key is not None
    assert Path(protected_storage.path(source.stored_name)).exists()
    assert DisposalCertificate.objects.count() == 0


def test_a_protection_officer_may_not_destroy(client, source, organization):
    client.force_login(staff_user(StaffRole.PROTECTION_OFFICER, organization=organization))

    assert client.get(_destroy(source)).status_code == 403
    assert client.post(_destroy(source), {"reason": "不要", "confirm": "on"}).status_code == 403
    source.refresh_from_db()
    assert source.destroyed_at is None
