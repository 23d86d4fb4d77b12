"""source_file_dispose: the crypto-erase of a source file and its certificate land together (seed 004 第10条)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection

from files_registry.models import SourceFile
from files_registry.sources import source_file_store
from portal.accounts.roles import StaffRole
from portal.disposal.models import DisposalCertificate
from portal.disposal.services import DisposalError, source_file_dispose
from tests.factories.accounts import staff_user
from tests.factories.registry import RegisterEntryFactory


@pytest.fixture
def source(organization, protection_manager):
    entry = RegisterEntryFactory(organization=organization, register_number="R-00042", name="受験者ファイル")
    return source_file_store(entry=entry, upload=ContentFile(b"a,b\n1,2\n", name="src.csv"), actor=protection_manager)


@pytest.mark.django_db
def test_the_certificate_describes_the_source_file(source, protection_manager):
    certificate = source_file_dispose(source=source, actor=protection_manager, reason="保有期間の満了")

    assert certificate.description == (
        "個人情報ファイル「受験者ファイル」（整理番号 R-00042）の原データ「src.csv」"
        f"（8バイト、{source.uploaded_by_name}が登録）"
    )
    assert (certificate.organization_name, certificate.actor_name) == ("健康局健康課", protection_manager.display_name)


@pytest.mark.django_db
def test_a_manager_of_another_organization_is_refused(source, other_organization):
    stranger = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)

    with pytest.raises(PermissionDenied):
        source_file_dispose(source=source, actor=stranger, reason="不要")

    source.refresh_from_db()
    assert source.destroyed_at is None and DisposalCertificate.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "  \n"])
def test_a_reason_is_required(source, protection_manager, reason):
    with pytest.raises(DisposalError, match="消去の理由を入力してください。"):
        source_file_dispose(source=source, actor=protection_manager, reason=reason)

    source.refresh_from_db()
    assert source.destroyed_at is None and source.wrapped_key is not None


@pytest.mark.django_db
def test_a_destroyed_file_is_refused(source, protection_manager):
    source_file_dispose(source=source, actor=protection_manager, reason="不要")

    with pytest.raises(DisposalError, match="既に消去されています"):
        source_file_dispose(source=source, actor=protection_manager, reason="不要")
    assert DisposalCertificate.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_concurrent_destructions_certify_once(source, protection_manager):
    barrier, outcomes = threading.Barrier(2), []

    def destroy():
        try:
            barrier.wait()
            source_file_dispose(source=source, actor=protection_manager, reason="不要")
            outcomes.append("certified")
        except DisposalError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=destroy) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["certified", "refused"]
    assert DisposalCertificate.objects.count() == 1
    assert SourceFile.objects.get().wrapped_key is None
