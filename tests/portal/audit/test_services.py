import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import RequestFactory

from portal.accounts.models import Organization
from portal.audit.chain import canonical_record, chain_hash
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import GENESIS_HASH, AccessChainHead, AccessRecord
from portal.audit.services import access_record, client_ip
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_access_record_copies_who_what_when_and_where(clock, organization):
    user = UserFactory(username="yamada", last_name="山田", first_name="花子")
    request = RequestFactory().get(
        "/register/123/?q=secret", REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Mozilla/5.0 (試験)"
    )

    record = access_record(
        actor=user,
        action=AccessAction.VIEW,
        result=AccessResult.SUCCESS,
        obj=organization,
        request=request,
        detail={"rows": 12},
    )

    record.refresh_from_db()
    assert (record.position, record.occurred_at) == (1, datetime.datetime(2026, 6, 10, 1, 0, tzinfo=datetime.UTC))
    assert (record.actor, record.actor_user_id, record.actor_username, record.actor_name) == (
        user,
        user.pk,
        "yamada",
        "山田 花子",
    )
    assert (record.action, record.result) == ("view", "success")
    assert (record.object_type, record.object_id, record.object_repr) == (
        "accounts.organization",
        str(organization.pk),
        "健康局健康課",
    )
    assert (record.ip_address, record.user_agent, record.request_path) == (
        "192.0.2.10",
        "Mozilla/5.0 (試験)",
        "/register/123/",
    )
    assert record.detail == {"rows": 12}


def test_access_record_chains_each_record_to_the_one_before(make_records):
    first, second = make_records(2)

    assert (first.position, second.position) == (1, 2)
    assert first.hash == chain_hash(GENESIS_HASH, canonical_record(AccessRecord.objects.get(position=1)))
    assert second.hash == chain_hash(first.hash, canonical_record(AccessRecord.objects.get(position=2)))
    assert AccessChainHead.objects.values_list("position", "hash").get() == (2, second.hash)


def test_access_record_without_a_user_keeps_the_attempted_name_only():
    record = access_record(
        actor=AnonymousUser(), username="nobody", action=AccessAction.SIGN_IN_FAILED, result=AccessResult.FAILED
    )

    assert (record.actor, record.actor_user_id, record.actor_username, record.actor_name) == (None, None, "nobody", "")


def test_access_record_of_a_model_class_names_the_type_only():
    record = access_record(actor=None, action=AccessAction.VIEW, result=AccessResult.SUCCESS, obj=Organization)

    assert (record.object_type, record.object_id, record.object_repr) == ("accounts.organization", "", "")


def test_access_record_strips_control_characters_and_truncates_long_text():
    request = RequestFactory().get("/", HTTP_USER_AGENT="bad\x00agent\n" + "x" * 400)

    record = access_record(
        actor=None, username="a\x00b" + "c" * 200, action="sign_in_failed", result="failed", request=request
    )

    record.refresh_from_db()
    assert (record.actor_username, record.user_agent) == ("ab" + "c" * 148, "badagent" + "x" * 292)


def test_access_record_inside_a_rolled_back_transaction_leaves_no_gap(make_records):
    make_records(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        access_record(actor=None, action=AccessAction.CREATE, result=AccessResult.SUCCESS)
        raise RuntimeError("the work failed")

    after = access_record(actor=None, action=AccessAction.VIEW, result=AccessResult.SUCCESS)

    assert list(AccessRecord.objects.order_by("position").values_list("position", flat=True)) == [1, 2]
    assert after.position == 2


def test_access_record_starts_from_the_newest_record_when_the_head_row_is_lost(make_records):
    make_records(2)
    AccessChainHead.objects.all().delete()

    record = access_record(actor=None, action=AccessAction.VIEW, result=AccessResult.SUCCESS)

    assert record.position == 3


@pytest.mark.parametrize(
    "detail",
    [
        {"password": "x"},
        {"api_token": "x"},
        {"Rows": 1},
        {"rows": 1.5},
        {"rows": [1, 2]},
        {"note": "x" * 201},
        {"note": "line\nbreak"},
        {f"k{n}": n for n in range(21)},
    ],
    ids=["password", "token", "not-snake-case", "float", "list", "long-text", "control-character", "too-many"],
)
def test_access_record_refuses_a_detail_that_could_hold_secrets_or_values(detail):
    with pytest.raises(ValueError):
        access_record(actor=None, action=AccessAction.VIEW, result=AccessResult.SUCCESS, detail=detail)

    assert AccessRecord.objects.count() == 0


def test_access_record_refuses_an_unknown_action():
    with pytest.raises(ValueError):
        access_record(actor=None, action="peek", result=AccessResult.SUCCESS)


def test_access_record_outlives_the_user(make_records):
    user = UserFactory(username="leaver", last_name="退職", first_name="者")
    user_id = user.pk
    make_records(1, actor=user)

    user.delete()

    record = AccessRecord.objects.get()
    assert (record.actor, record.actor_user_id, record.actor_username, record.actor_name) == (
        None,
        user_id,
        "leaver",
        "退職 者",
    )


def test_access_record_outlives_the_object(organization):
    record = access_record(actor=None, action=AccessAction.DELETE, result=AccessResult.SUCCESS, obj=organization)
    organization_id = organization.pk

    organization.delete()

    record.refresh_from_db()
    assert (record.object_id, record.object_repr) == (str(organization_id), "健康局健康課")


@pytest.mark.parametrize(
    ("meta", "proxies", "expected"),
    [
        ({"REMOTE_ADDR": "198.51.100.7"}, 0, "198.51.100.7"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, 0, "10.0.0.1"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}, 1, "203.0.113.9"),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9, 10.0.0.1"}, 2, "203.0.113.9"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, 2, "10.0.0.1"),
        ({"REMOTE_ADDR": "10.0.0.1"}, 1, "10.0.0.1"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-address"}, 1, None),
        ({"REMOTE_ADDR": "::ffff:192.0.2.1"}, 0, "192.0.2.1"),
        ({"REMOTE_ADDR": "2001:0db8:0000::0001"}, 0, "2001:db8::1"),
        ({}, 0, None),
    ],
    ids=[
        "direct",
        "forwarded-header-ignored-without-proxies",
        "one-proxy-spoofed-entries-ignored",
        "two-proxies",
        "fewer-entries-than-proxies",
        "proxy-bypassed",
        "garbage",
        "ipv4-mapped",
        "ipv6-normalised",
        "none",
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(meta, proxies, expected):
    assert client_ip(meta, trusted_proxy_count=proxies) == expected


def test_access_record_uses_the_trusted_proxy_setting(settings):
    settings.AUDIT_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    record = access_record(actor=None, action=AccessAction.VIEW, result=AccessResult.SUCCESS, request=request)

    assert record.ip_address == "203.0.113.9"


def test_ipv6_address_hashes_the_same_after_the_database_round_trip():
    request = RequestFactory().get("/", REMOTE_ADDR="2001:0db8:0:0:0:0:0:00a1")

    record = access_record(actor=None, action=AccessAction.VIEW, result=AccessResult.SUCCESS, request=request)

    stored = AccessRecord.objects.get(position=record.position)
    assert chain_hash(GENESIS_HASH, canonical_record(stored)) == record.hash
