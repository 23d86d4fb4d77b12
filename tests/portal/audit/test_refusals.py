"""Refusals answered 404 are on the record (seed 004 第5条2項・第12条): "no access" looks like "does not exist" to
the user, but an existing object out of the user's reach is recorded as 拒否, so the analysis of repeated
refusals sees id probing. An id that names nothing records nothing."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from portal.audit.analysis import Period, access_analyse
from portal.audit.enums import AccessAction, AccessResult, AlertKind
from portal.audit.models import AccessAlert, AccessRecord
from portal.audit.refusals import object_in_scope, object_in_scope_or_404
from portal.audit.services import JST
from proposals.models import Proposal
from tests.factories.accounts import UserFactory
from tests.factories.proposals import ProposalFactory, ProposerFactory

pytestmark = pytest.mark.django_db


def _refused(user):
    return AccessRecord.objects.filter(actor=user, result=AccessResult.REFUSED).order_by("position")


def test_an_existing_object_outside_the_scope_is_refused_and_recorded():
    user = UserFactory()
    group = Group.objects.create(name="甲")
    request = RequestFactory().post("/somewhere/", REMOTE_ADDR="192.0.2.9")

    with pytest.raises(Group.DoesNotExist):
        object_in_scope(Group.objects.none(), actor=user, request=request, pk=group.pk)

    record = _refused(user).get()
    assert (record.action, record.object_type, record.object_id, record.object_repr) == (
        AccessAction.CHANGE,  # a POST attempted a change
        "auth.group",
        str(group.pk),
        "甲",
    )
    assert (record.detail, record.ip_address, record.request_path) == (
        {"out_of_scope": True, "status": 404},
        "192.0.2.9",
        "/somewhere/",
    )


@pytest.mark.parametrize("pk", [999999, "not-a-number"], ids=["missing", "malformed"])
def test_an_id_that_names_nothing_is_404_and_not_recorded(pk):
    user = UserFactory()

    with pytest.raises(Group.DoesNotExist):
        object_in_scope(Group.objects.all(), actor=user, pk=pk)

    assert not _refused(user).exists()


def test_an_object_in_the_scope_is_returned_without_a_record():
    user = UserFactory()
    group = Group.objects.create(name="甲")

    assert object_in_scope_or_404(Group.objects.all(), actor=user, pk=group.pk) == group
    assert not AccessRecord.objects.exists()


def test_an_anonymous_probe_is_not_recorded():
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    group = Group.objects.create(name="甲")

    with pytest.raises(Http404):
        object_in_scope_or_404(Group.objects.none(), actor=AnonymousUser(), pk=group.pk)

    assert not AccessRecord.objects.exists()


# --- on /mypage/ and in the admin ------------------------------------------------------------------------


def test_another_proposers_proposal_on_mypage_is_404_like_a_missing_one_and_recorded(client):
    proposal = ProposalFactory()
    prober = ProposerFactory().user
    client.force_login(prober)

    probed = client.get(reverse("mypage:proposal", args=[proposal.public_id]))
    missing = client.get(reverse("mypage:proposal", args=[uuid.uuid4()]))

    assert (probed.status_code, missing.status_code) == (404, 404)
    assert probed.content == missing.content
    assert [(r.object_type, r.object_id) for r in _refused(prober)] == [("proposals.proposal", str(proposal.pk))]


def test_an_admin_object_out_of_reach_is_404_like_a_missing_one_and_recorded(client, organization):
    from portal.accounts.roles import StaffRole
    from tests.factories.accounts import staff_user

    screener = staff_user(StaffRole.SCREENER)
    client.force_login(screener)
    url = reverse("admin:accounts_organization_change", args=[organization.pk])
    missing_url = reverse("admin:accounts_organization_change", args=[organization.pk + 1000])

    probed, missing = client.get(url), client.get(missing_url)

    assert (probed.status_code, missing.status_code) == (404, 404)
    assert [(r.object_type, r.object_id) for r in _refused(screener)] == [
        ("accounts.organization", str(organization.pk))
    ]


def test_probing_other_proposers_ids_raises_the_repeated_refusals_alert(client, settings, clock):
    settings.AUDIT_ALERT_REFUSALS_PER_DAY = 3
    clock.set(2026, 6, 10, 10, 0)
    proposals = ProposalFactory.create_batch(4)
    prober = ProposerFactory().user
    client.force_login(prober)

    for proposal in proposals:
        assert client.get(reverse("mypage:proposal", args=[proposal.public_id])).status_code == 404
    start = datetime.datetime(2026, 6, 10, tzinfo=JST)
    access_analyse(period=Period(start, start + datetime.timedelta(days=1)))

    alert = AccessAlert.objects.get(kind=AlertKind.REPEATED_REFUSALS)
    assert (alert.subject, alert.record_count) == (prober, 4)
    assert not Proposal.objects.filter(proposer__user=prober).exists()


def test_another_proposers_consultation_file_is_404_and_recorded(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from proposals.services.consultations import consultation_open
    from tests.factories.proposals import pdf_bytes

    owner = ProposerFactory()
    consultation = consultation_open(
        proposer=owner,
        actor=owner.user,
        subject="質問",
        body="本文",
        files=[SimpleUploadedFile("memo.pdf", pdf_bytes("memo"), content_type="application/pdf")],
    )
    attachment = consultation.messages.get().attachments.get()
    prober = ProposerFactory().user
    client.force_login(prober)

    response = client.get(reverse("mypage:consultation_file", args=[attachment.public_id]))

    assert (response.status_code, response.get("Content-Disposition")) == (404, None)
    assert [(r.object_type, r.object_id) for r in _refused(prober)] == [
        ("proposals.consultationattachment", str(attachment.pk))
    ]
