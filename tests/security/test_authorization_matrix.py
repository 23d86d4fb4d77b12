"""Authorisation matrix (seed 004 第5条 アクセス制限, 第14条): every URL pattern × every role × GET/POST.

EXPECTED holds one decision per URL pattern: a URL pattern without an entry fails the test, so a new
URL cannot land without someone deciding who may open it. Admin URLs generated per model are decided
per app/model and view kind in ADMIN_MODELS (same format). Areas may keep their rows in a module of
tests/security/matrix_rows/ (merged in; a route decided twice fails).

Each entry is (GET, POST): one letter per role, in the order of ROLES:
    O 200 · L 302 to a sign-in page · R 302 elsewhere · F 403 · N 404 · M 405 · B 400
Object URLs are filled with the proposer persona's own objects (the proposer sees them, nobody else
does: "no access" answers like "does not exist", 404); admin object URLs with an id that does not exist
(404 for every staff role; real objects in and out of reach: test_admin_objects.py, test_contract_scope.py).
Staff sessions are verified by their TOTP device (the admin needs it).
"""

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from portal.accounts.roles import StaffRole
from proposals.services.consultations import consultation_open
from proposals.services.proposals import proposal_submit
from tests.factories.accounts import UserFactory, staff_user
from tests.factories.proposals import ProposalFactory, ProposerFactory, pdf_upload
from tests.security.helpers import otp_verify_session
from tests.security.matrix_rows import collect

ROLES = [
    "anonymous",
    "proposer",
    "outsider",
    *(role.value for role in StaffRole),
]
LOGIN_PREFIXES = ("/accounts/login/", "/admin/login/")

# Roles, in order: anonymous proposer outsider chief_manager protection_manager protection_officer
#                  audit_officer screener approver
EXPECTED: dict[str, tuple[str, str]] = {
    # route (or name, for the admin's app index whose pattern lists the apps): (GET, POST)
    "": ("OOOOOOOOO", "MMMMMMMMM"),
    "register/": ("OOOOOOOOO", "MMMMMMMMM"),
    "register/export.csv": ("OOOOOOOOO", "MMMMMMMMM"),
    "register/export.json": ("OOOOOOOOO", "MMMMMMMMM"),
    "register/<uuid:public_id>/": ("OOOOOOOOO", "MMMMMMMMM"),
    "calls/": ("OOOOOOOOO", "MMMMMMMMM"),
    "calls/<uuid:public_id>/": ("OOOOOOOOO", "MMMMMMMMM"),
    "calls/<uuid:public_id>/forms/<str:form>.pdf": ("OOOOOOOOO", "MMMMMMMMM"),
    "fees/": ("OOOOOOOOO", "MMMMMMMMM"),
    "accounts/register/": ("OOOOOOOOO", "OOOOOOOOO"),
    "accounts/register/sent/": ("OOOOOOOOO", "MMMMMMMMM"),
    "accounts/verify/<str:uidb64>/<str:token>/": ("BBBBBBBBB", "BBBBBBBBB"),
    "accounts/login/": ("ORRRRRRRR", "ORRRRRRRR"),
    "accounts/logout/": ("MMMMMMMMM", "RRRRRRRRR"),
    "accounts/password-reset/": ("OOOOOOOOO", "OOOOOOOOO"),
    "accounts/password-reset/sent/": ("OOOOOOOOO", "MMMMMMMMM"),
    "accounts/password-reset/<uidb64>/<token>/": ("OOOOOOOOO", "OOOOOOOOO"),
    "accounts/password-reset/complete/": ("OOOOOOOOO", "MMMMMMMMM"),
    "mypage/": ("LOOOOOOOO", "LMMMMMMMM"),
    "mypage/profile/": ("LOOOOOOOO", "LOOOOOOOO"),
    "mypage/notifications/": ("LOOOOOOOO", "LMMMMMMMM"),
    "mypage/consultations/new/": ("LORRRRRRR", "LORRRRRRR"),
    "mypage/consultations/<uuid:public_id>/": ("LORRRRRRR", "LORRRRRRR"),
    "mypage/consultations/files/<uuid:public_id>/": ("LORRRRRRR", "LMRRRRRRR"),
    "mypage/proposals/new/": ("LMRRRRRRR", "LNRRRRRRR"),
    "mypage/proposals/<uuid:public_id>/": ("LORRRRRRR", "LORRRRRRR"),
    "mypage/proposals/<uuid:public_id>/files/<uuid:attachment_id>/": ("LORRRRRRR", "LMRRRRRRR"),
    "mypage/proposals/<uuid:public_id>/withdraw/": ("LMRRRRRRR", "LRRRRRRRR"),
    "mypage/proposals/<uuid:public_id>/receipt-<int:number>.pdf": ("LORRRRRRR", "LMRRRRRRR"),
    "mypage/proposals/<uuid:public_id>/notices/<uuid:document_id>/": ("LNRRRRRRR", "LMRRRRRRR"),
    "mypage/contracts/": ("LORRRRRRR", "LMRRRRRRR"),
    "mypage/contracts/apply/<uuid:proposal_id>/": ("LNRRRRRRR", "LNRRRRRRR"),
    "mypage/contracts/<uuid:public_id>/": ("LNRRRRRRR", "LMRRRRRRR"),
    "mypage/contracts/<uuid:public_id>/payment-slip.pdf": ("LNRRRRRRR", "LMRRRRRRR"),
    "mypage/contracts/<uuid:public_id>/reports/new/": ("LNRRRRRRR", "LNRRRRRRR"),
    "mypage/contracts/<uuid:public_id>/files/<uuid:document_id>/": ("LNRRRRRRR", "LMRRRRRRR"),
    "admin/": ("LLLOOOOOO", "LLLOOOOOO"),
    "admin/login/": ("OOORRRRRR", "OOOOOOOOO"),
    "admin/logout/": ("RRRMMMMMM", "RRROOOOOO"),
    "admin/password_change/": ("LLLOOOOOO", "LLLOOOOOO"),
    "admin/autocomplete/": ("LLLFFFFFF", "LLLMMMMMM"),
    "admin/jsi18n/": ("LLLOOOOOO", "LLLMMMMMM"),
    "admin/r/<path:content_type_id>/<path:object_id>/": ("LLLNNNNNN", "LLLNNNNNN"),
    "admin:app_list": ("LLLOOOOOO", "LLLOOOOOO"),
    "admin/(?P<url>.*)$": ("LLLNNNNNN", "LLLNNNNNN"),
    "security/totp/enrol/": ("LNNNNNNNN", "LNNNNNNNN"),
}
# app/model/kind -> (GET, POST); object kinds use an id that does not exist: 404 to every staff role, as an
# object out of reach answers (portal/admin_objects.py).
ADMIN_MODELS: dict[str, tuple[str, str]] = {
    "password_change/done/changelist": ("LLLOOOOOO", "LLLMMMMMM"),
    "auth/group/changelist": ("LLLFFFFFF", "LLLFFFFFF"),
    "auth/group/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "auth/group/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "auth/group/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "auth/group/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "auth/group/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "accounts/user/id/password": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/user/changelist": ("LLLFFFFFF", "LLLFFFFFF"),
    "accounts/user/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "accounts/user/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/user/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/user/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/user/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "accounts/organization/object_pk/permissions": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/organization/object_pk/permissions/user-manage/user_id": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/organization/object_pk/permissions/group-manage/group_id": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/organization/changelist": ("LLLOOOOFF", "LLLOOOOFF"),
    "accounts/organization/add": ("LLLOFFFFF", "LLLOFFFFF"),
    "accounts/organization/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/organization/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/organization/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "accounts/organization/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "audit/accessrecord/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "audit/accessrecord/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "audit/accessrecord/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "audit/accessrecord/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "audit/accessrecord/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "audit/accessrecord/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "audit/accessarchive/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "audit/accessarchive/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "audit/accessarchive/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "audit/accessarchive/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "audit/accessarchive/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "audit/accessarchive/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "audit/accessalert/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "audit/accessalert/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "audit/accessalert/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "audit/accessalert/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "audit/accessalert/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "audit/accessalert/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "files_registry/registerentry/import": ("LLLOOFFFF", "LLLOOFFFF"),
    "files_registry/registerentry/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/registerentry/changelist": ("LLLOOOOOO", "LLLOOOOOO"),
    "files_registry/registerentry/add": ("LLLOFFFFF", "LLLOFFFFF"),
    "files_registry/registerentry/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/registerentry/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/registerentry/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/registerentry/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "files_registry/anonymizeddatasetsummary/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/anonymizeddatasetsummary/changelist": ("LLLOOOOFF", "LLLOOOOFF"),
    "files_registry/anonymizeddatasetsummary/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "files_registry/anonymizeddatasetsummary/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/anonymizeddatasetsummary/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/anonymizeddatasetsummary/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "files_registry/anonymizeddatasetsummary/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "proposals/proposalcall/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposalcall/changelist": ("LLLOOOOFO", "LLLOOOOFO"),
    "proposals/proposalcall/add": ("LLLOFFFFF", "LLLOFFFFF"),
    "proposals/proposalcall/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposalcall/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposalcall/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposalcall/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "proposals/consultation/int_pk/reply": ("LLLNNNFFF", "LLLNNNFFF"),
    "proposals/consultation/changelist": ("LLLOOOOFO", "LLLOOOOFO"),
    "proposals/consultation/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "proposals/consultation/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/consultation/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/consultation/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/consultation/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "proposals/proposal/int_pk/correction": ("LLLNNFFFF", "LLLNNFFFF"),
    "proposals/proposal/changelist": ("LLLOOOOFO", "LLLOOOOFO"),
    "proposals/proposal/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "proposals/proposal/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposal/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposal/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposal/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "proposals/proposer/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposer/changelist": ("LLLOOOOFO", "LLLOOOOFO"),
    "proposals/proposer/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "proposals/proposer/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposer/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposer/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/proposer/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "proposals/disqualificationrecord/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/disqualificationrecord/changelist": ("LLLOOOOFO", "LLLOOOOFO"),
    "proposals/disqualificationrecord/add": ("LLLOFFFFF", "LLLOFFFFF"),
    "proposals/disqualificationrecord/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/disqualificationrecord/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/disqualificationrecord/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/disqualificationrecord/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "proposals/screening/assign": ("LLLOOFFFF", "LLLOOFFFF"),
    "proposals/screening/int_pk/screen": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/screening/int_pk/documents/uuid_document_id": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/screening/changelist": ("LLLOOFOOO", "LLLOOFOOO"),
    "proposals/screening/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "proposals/screening/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/screening/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/screening/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/screening/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "proposals/resultnotice/changelist": ("LLLOOFOOO", "LLLOOFOOO"),
    "proposals/resultnotice/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "proposals/resultnotice/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/resultnotice/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/resultnotice/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/resultnotice/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "proposals/screeningpolicy/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/screeningpolicy/changelist": ("LLLRRFRFR", "LLLRRFRFR"),
    "proposals/screeningpolicy/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "proposals/screeningpolicy/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/screeningpolicy/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/screeningpolicy/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "proposals/screeningpolicy/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "contracts/feeschedule/simple_history": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/feeschedule/changelist": ("LLLOOFOOO", "LLLOOFOOO"),
    "contracts/feeschedule/add": ("LLLOFFFFF", "LLLOFFFFF"),
    "contracts/feeschedule/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/feeschedule/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/feeschedule/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/feeschedule/object": ("LLLRRRRRR", "LLLRRRRRR"),
    # contracts: staff see those on files of the organizations they manage (real objects: test_contract_scope.py)
    "contracts/contract/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "contracts/contract/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "contracts/contract/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/contract/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/contract/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/contract/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "contracts/contract/int_pk/documents/uuid_document_id": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/creationhourslog/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "contracts/creationhourslog/add": ("LLLOOFFFF", "LLLOOFFFF"),
    "contracts/creationhourslog/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/creationhourslog/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/creationhourslog/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/creationhourslog/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "contracts/payment/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "contracts/payment/add": ("LLLOOFFFF", "LLLOOFFFF"),
    "contracts/payment/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/payment/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/payment/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/payment/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "contracts/cancellation/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "contracts/cancellation/add": ("LLLOFFFFF", "LLLOFFFFF"),
    "contracts/cancellation/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/cancellation/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/cancellation/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/cancellation/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "contracts/contractreport/changelist": ("LLLOOFOFF", "LLLOOFOFF"),
    "contracts/contractreport/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "contracts/contractreport/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/contractreport/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/contractreport/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "contracts/contractreport/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "axes/accessattempt/changelist": ("LLLFFFFFF", "LLLFFFFFF"),
    "axes/accessattempt/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "axes/accessattempt/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "axes/accessattempt/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "axes/accessattempt/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "axes/accessattempt/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "axes/accesslog/changelist": ("LLLFFFFFF", "LLLFFFFFF"),
    "axes/accesslog/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "axes/accesslog/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "axes/accesslog/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "axes/accesslog/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "axes/accesslog/object": ("LLLRRRRRR", "LLLRRRRRR"),
    "axes/accessfailurelog/changelist": ("LLLFFFFFF", "LLLFFFFFF"),
    "axes/accessfailurelog/add": ("LLLFFFFFF", "LLLFFFFFF"),
    "axes/accessfailurelog/history": ("LLLNNNNNN", "LLLNNNNNN"),
    "axes/accessfailurelog/delete": ("LLLNNNNNN", "LLLNNNNNN"),
    "axes/accessfailurelog/change": ("LLLNNNNNN", "LLLNNNNNN"),
    "axes/accessfailurelog/object": ("LLLRRRRRR", "LLLRRRRRR"),
}


def _merge(table: dict[str, tuple[str, str]], name: str) -> None:
    more = collect(name)
    twice = set(more) & set(table)
    if twice:
        raise AssertionError(f"decided twice: {sorted(twice)}")
    table.update(more)


_merge(EXPECTED, "EXPECTED")
_merge(ADMIN_MODELS, "ADMIN_MODELS")


def walk(patterns, prefix: str = "", namespace: str | None = None):
    """(route, name) of every URL pattern, resolvers flattened; name is "namespace:name"."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), (f"{namespace}:" if namespace else "") + (pattern.name or "")


_ADMIN_MODEL_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/(?P<rest>.*)$")


def admin_kind(route: str) -> str | None:
    """ "app/model/kind" for a URL the admin generates per model, else None."""
    match = _ADMIN_MODEL_ROUTE.match(route)
    if match is None:
        return None
    rest = match["rest"]
    kinds = {
        "": "changelist",
        "add/": "add",
        "<path:object_id>/history/": "history",
        "<path:object_id>/delete/": "delete",
        "<path:object_id>/change/": "change",
        "<path:object_id>/": "object",
        "^([^/]+)/history/([^/]+)/$": "simple_history",
    }
    kind = kinds.get(rest, rest.strip("/").replace("<", "").replace(">", "").replace(":", "_"))
    return f"{match['app']}/{match['model']}/{kind}"


def decision(route: str, name: str = "") -> tuple[str, str] | None:
    if route in EXPECTED:
        return EXPECTED[route]
    if name == "admin:app_list":
        return EXPECTED.get(name)
    kind = admin_kind(route)
    return ADMIN_MODELS.get(kind) if kind else None


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302):
        return "L" if response["Location"].startswith(LOGIN_PREFIXES) else "R"
    return {200: "O", 403: "F", 404: "N", 405: "M", 400: "B"}.get(code, f"<{code}>")


@pytest.fixture
def world(db):
    """The personas and the proposer's own objects that fill the object URLs."""
    proposer = ProposerFactory()
    proposal = ProposalFactory(proposer=proposer)
    version = proposal_submit(proposal=proposal, actor=proposer.user)
    proposal.refresh_from_db()
    consultation = consultation_open(
        proposer=proposer,
        actor=proposer.user,
        subject="質問",
        body="本文",
        entry=proposal.entry,
        files=[pdf_upload("memo.pdf")],
    )
    users = {
        "anonymous": None,
        "proposer": proposer.user,
        "outsider": UserFactory(),
        **{role.value: staff_user(role) for role in StaffRole},
    }
    values = {
        "public_id": proposal.public_id,
        "attachment_id": proposal.attachments.first().public_id,
        "number": version.number,
    }
    by_name = {
        "calls:detail": {"public_id": proposal.call.public_id},
        "calls:form_pdf": {"public_id": proposal.call.public_id, "form": "proposal"},
        "registry:detail": {"public_id": proposal.entry.public_id},
        "mypage:consultation": {"public_id": consultation.public_id},
        "mypage:consultation_file": {"public_id": consultation.messages.get().attachments.get().public_id},
    }
    return {"users": users, "values": values, "by_name": by_name}


def concrete(route: str, name: str, world) -> str:
    """A URL for the pattern: the world's objects for public ids, ids that exist nowhere for the admin."""
    fill = {**world["values"], **world["by_name"].get(name, {})}
    path = route
    path = path.replace("^([^/]+)/history/([^/]+)/$", "999999/history/1/")
    path = re.sub(r"\^\(\?P<app_label>[^)]*\)/\$", "proposals/", path)
    path = path.replace("(?P<url>.*)$", "no-such-page/")

    def substitute(match):
        converter, key = match["converter"] or "str", match["key"]
        if key in fill:
            return str(fill[key])
        if converter == "uuid":
            return str(uuid.UUID(int=1))
        return "999999" if converter in ("int", "path") or key.endswith(("id", "pk")) else "x"

    return "/" + re.sub(r"<(?:(?P<converter>\w+):)?(?P<key>\w+)>", substitute, path)


def _client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
        if user.is_staff:
            otp_verify_session(client, user)
    return client


def test_every_url_pattern_has_a_decision():
    missing = [route for route, name in walk(get_resolver().url_patterns) if decision(route, name) is None]

    assert missing == []


@pytest.mark.django_db
def test_every_url_answers_every_role_as_decided(world):
    patterns = [(route, name) for route, name in walk(get_resolver().url_patterns) if decision(route, name)]
    mismatches = {}
    for route, name in patterns:
        url = concrete(route, name, world)
        got = []
        for method in ("get", "post"):
            letters = ""
            for role in ROLES:
                client = _client_for(world["users"][role])
                letters += outcome(getattr(client, method)(url))
            got.append(letters)
        if tuple(got) != decision(route, name):
            mismatches[route] = tuple(got)

    assert mismatches == {}


def test_no_one_outside_the_staff_is_decided_into_the_admin():
    """A reviewer's guard on the table itself: anonymous, proposer and outsider never get an admin page."""
    admin_routes = [route for route, _ in walk(get_resolver().url_patterns) if route.startswith("admin/")]
    opened = [
        route
        for route in admin_routes
        if route != "admin/login/"
        and "O"
        in "".join(answer[:3] for answer in decision(route, "admin:app_list" if "app_label" in route else "") or ())
    ]

    assert opened == []


@pytest.mark.django_db
def test_another_proposers_ids_answer_404_in_every_object_url(world, client):
    """第5条2項: another user's proposal, attachment, receipt, consultation and consultation file do not
    exist for this proposer: 404, the same answer as an id that exists nowhere, and never the object."""
    client.force_login(ProposerFactory().user)
    object_names = [
        name
        for route, name in walk(get_resolver().url_patterns)
        if name.startswith("mypage:") and "<" in route and name != "mypage:proposal_withdraw"
    ]
    answers = {}
    for route, name in walk(get_resolver().url_patterns):
        if name in object_names:
            response = client.get(concrete(route, name, world))
            answers[name] = (response.status_code, response.get("Content-Disposition"))
    withdraw = next(route for route, name in walk(get_resolver().url_patterns) if name == "mypage:proposal_withdraw")
    answers["mypage:proposal_withdraw"] = (
        client.post(concrete(withdraw, "", world), {"confirm": "yes"}).status_code,
        None,
    )

    assert sorted(object_names) == [
        "mypage:consultation",
        "mypage:consultation_file",
        "mypage:proposal",
        "mypage:proposal_file",
        "mypage:proposal_receipt",
        "mypage:result_notice_document",
    ]
    assert answers == {name: (404, None) for name in [*object_names, "mypage:proposal_withdraw"]}
