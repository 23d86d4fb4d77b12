"""Disposal certificates in the admin: who sees which, the PDF download, and that nobody edits or deletes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.roles import StaffRole
from portal.audit.models import AccessRecord
from portal.disposal.enums import DisposalMethod
from portal.disposal.models import DisposalCertificate
from portal.disposal.services import disposal_certify
from tests.factories.accounts import staff_user
from tests.factories.disposal import DisposalCertificateFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:disposal_disposalcertificate_changelist")


def _change(certificate) -> str:
    return reverse("admin:disposal_disposalcertificate_change", args=[certificate.pk])


def _pdf(certificate) -> str:
    return reverse("admin:disposal_disposalcertificate_pdf", args=[certificate.public_id])


@pytest.fixture
def certificates(organization, other_organization):
    return {
        "own": DisposalCertificateFactory(organization=organization, organization_name=organization.name),
        "other": DisposalCertificateFactory(organization=other_organization, organization_name=other_organization.name),
        "unknown": DisposalCertificateFactory(),
    }


def _listed(client) -> set[str]:
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    return {certificate.certificate_number for certificate in response.context["cl"].result_list}


@pytest.mark.parametrize("persona", ["chief_manager", "audit_officer"])
def test_overseers_see_every_certificate(client, certificates, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert _listed(client) == {certificate.certificate_number for certificate in certificates.values()}


def test_a_protection_manager_sees_their_organizations_and_their_own(client, certificates, protection_manager):
    issued = DisposalCertificateFactory(actor=protection_manager)
    client.force_login(protection_manager)

    assert _listed(client) == {certificates["own"].certificate_number, issued.certificate_number}
    assert client.get(_change(certificates["own"])).status_code == 200
    assert client.get(_change(certificates["other"])).status_code == 404
    assert client.get(_change(certificates["unknown"])).status_code == 404


@pytest.mark.parametrize("role", [StaffRole.PROTECTION_OFFICER, StaffRole.SCREENER, StaffRole.APPROVER])
def test_other_roles_see_no_certificate(client, certificates, role, organization):
    client.force_login(staff_user(role, organization=organization))

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(_change(certificates["own"])).status_code == 404  # no access answers as "does not exist"


def test_nobody_adds_edits_or_deletes_a_certificate(client, certificates, chief_manager):
    certificate = certificates["own"]
    client.force_login(chief_manager)

    assert client.get(reverse("admin:disposal_disposalcertificate_add")).status_code == 403
    assert client.post(reverse("admin:disposal_disposalcertificate_add"), {"reason": "x"}).status_code == 403
    assert client.post(_change(certificate), {"reason": "書き換え"}).status_code == 403
    delete = reverse("admin:disposal_disposalcertificate_delete", args=[certificate.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.reason == "利用期間の満了"
    page = client.get(_change(certificate)).content.decode()
    assert '<textarea name="reason"' not in page and 'name="_save"' not in page
    assert delete not in page


def test_the_pdf_is_downloaded_as_issued_and_recorded(client, protection_manager):
    certificate = disposal_certify(
        object_type="anonymizer.processingsecret",
        object_id="secret-1",
        description="加工方法等情報（仮IDの対応表）",
        method=DisposalMethod.OVERWRITE,
        actor=protection_manager,
        reason="契約の終了",
    )
    client.force_login(protection_manager)

    page = client.get(_change(certificate))
    response = client.get(_pdf(certificate))

    assert certificate.pdf_name in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    certificate.pdf.open("rb")
    assert body == certificate.pdf.read()
    record = AccessRecord.objects.get(action="download")
    assert (record.object_type, record.object_id, record.detail) == (
        "disposal.disposalcertificate",
        str(certificate.pk),
        {"bytes": certificate.pdf_size},
    )


def test_another_organizations_pdf_answers_404(client, certificates, other_organization):
    stranger = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)
    client.force_login(stranger)

    assert client.get(_pdf(certificates["own"])).status_code == 404
    assert not AccessRecord.objects.filter(action="download").exists()


def test_a_role_without_the_permission_gets_403_on_the_pdf(client, certificates, organization):
    client.force_login(staff_user(StaffRole.SCREENER, organization=organization))

    assert client.get(_pdf(certificates["own"])).status_code == 403


def _list_queries(client, count: int) -> int:
    DisposalCertificate.objects.all().delete()
    DisposalCertificateFactory.create_batch(count)
    client.get(CHANGELIST)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == count
    return len(queries)


def test_the_list_costs_the_same_queries_for_1_and_3(client, chief_manager):
    client.force_login(chief_manager)

    assert _list_queries(client, 1) == _list_queries(client, 3)
