"""CSP without inline code (seed 004 第15条; issue 6): the policy is `script-src 'self'; style-src 'self'`, so
an inline <script>, an on…= handler, a javascript: URL, a style="" attribute or a <style> element would be
blocked in the browser (a broken page, a console full of violations) or invite a policy weakened later.

Two checks: every template the portal serves and every HTML string the Python code marks safe is scanned
for such code; and a handful of public, /mypage/ and admin pages are rendered with real data and checked
for the production policy header and for inline code in what they send.
"""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories.proposals import ProposalCallFactory

ROOT = Path(__file__).resolve().parents[2]

# What the browser would refuse under the policy, each with the reason shown on a failure.
INLINE_CODE = {
    "inline <script> (no src)": re.compile(
        r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*[\"']?application/(?:ld\+)?json)[^>]*>", re.IGNORECASE
    ),
    "on…= event handler": re.compile(r"<[a-zA-Z][^<>]*?\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"\b(?:href|src|action|formaction)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE),
    'style="" attribute': re.compile(r"<[a-zA-Z][^<>]*?\sstyle\s*=", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
}

# Templates never sent to a browser, so outside the policy: PDF layouts rendered by WeasyPrint
# (portal/pdf; their print CSS needs inline styles) and the bodies of e-mails.
NOT_SERVED = ("pdf", "email", "audit/email")

# Python helpers whose string arguments become HTML as they are.
SAFE_HTML_CALLS = {"format_html", "format_html_join", "mark_safe", "SafeString"}


def inline_code(text: str) -> list[str]:
    """The kinds of inline code found in `text` (empty when none)."""
    return [kind for kind, pattern in INLINE_CODE.items() if pattern.search(text)]


def _own_template_dirs() -> list[Path]:
    """The project's template folders: TEMPLATES DIRS and the templates/ folder of each project app."""
    dirs = [Path(folder) for config in settings.TEMPLATES for folder in config.get("DIRS", [])]
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates"
        if folder.is_dir() and ROOT in folder.parents and ".venv" not in folder.parts:
            dirs.append(folder)
    return dirs


def served_templates() -> list[tuple[Path, str]]:
    """(file, its name under its template folder) of every .html template that may be served."""
    found = []
    for folder in _own_template_dirs():
        for path in sorted(folder.rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            if not name.startswith(tuple(f"{prefix}/" for prefix in NOT_SERVED)):
                found.append((path, name))
    return found


def _own_python_files() -> list[Path]:
    skip = {".venv", "tests", "migrations", "node_modules", ".git"}
    return [path for path in sorted(ROOT.rglob("*.py")) if not skip & set(path.relative_to(ROOT).parts)]


def safe_html_strings() -> list[tuple[Path, int, str]]:
    """(file, line, text) of every string literal passed to format_html / format_html_join / mark_safe /
    SafeString in the project's own Python code."""
    found = []
    for path in _own_python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in SAFE_HTML_CALLS:
                continue
            for argument in node.args:
                for constant in ast.walk(argument):
                    if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                        found.append((path, constant.lineno, constant.value))
    return found


# --- the scans ---


def test_the_scan_finds_each_kind_of_inline_code():
    """The patterns themselves: each catches its kind, and ordinary markup passes."""
    samples = {
        "inline <script> (no src)": '<script>alert(1)</script><script type="module">x()</script>',
        "on…= event handler": '<button type="button" onclick="go()">',
        "javascript: URL": '<a href="javascript:void(0)">',
        'style="" attribute': '<p class="x" style="padding: 0">',
        "<style> element": "<style>p { color: red }</style>",
    }
    for kind, sample in samples.items():
        assert inline_code(sample) == [kind], sample
    assert inline_code('<script src="/static/x.js"></script><script id="d" type="application/json">{}</script>') == []
    assert inline_code('<p class="online" data-one="1">style: 申請の方法 onwards</p><a href="/calls/">') == []


def test_the_scan_covers_the_portals_templates_and_not_the_pdf_ones():
    names = {name for _, name in served_templates()}

    assert {"base.html", "admin/index.html", "admin/proposals/screening/screen.html"} <= names
    assert not any(name.startswith("pdf/") for name in names)


def test_no_served_template_has_inline_code():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {kind}"
        for path, _ in served_templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for kind in inline_code(line)
    ]

    assert found == []


def test_no_html_marked_safe_in_python_has_inline_code():
    strings = safe_html_strings()
    found = [f"{path.relative_to(ROOT)}:{line}: {kind}" for path, line, text in strings for kind in inline_code(text)]

    assert strings, "the scan found no format_html / mark_safe call at all: the walk is broken"
    assert found == []


# --- rendered pages under the production policy ---

_POLICY_PROBE = r"""
import django
django.setup()
from django.conf import settings
from django.utils.csp import build_policy
print(build_policy(settings.SECURE_CSP))
"""


@pytest.fixture(scope="module")
def production_policy(tmp_path_factory) -> str:
    """The Content-Security-Policy header value the production settings build."""
    data = tmp_path_factory.mktemp("production-csp")
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PORTAL_"))},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_SECRET_KEY": "production-probe-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "PORTAL_HTTPS": "true",
        "PORTAL_MASTER_KEYS": os.environ["PORTAL_MASTER_KEYS"],
        "PORTAL_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'probe.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter on our own probe
        [sys.executable, "-c", _POLICY_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    policy = result.stdout.strip().splitlines()[-1]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    return policy


@pytest.fixture
def world(db, chief_manager, protection_manager, organization):
    """Objects behind the pages: an entry open for proposals with no call this year (the dashboard
    warning), a screening, an incident with a step, an outsourcing with a re-contracting, an inspection."""
    from portal.compliance import services as compliance
    from portal.compliance.enums import StepKind
    from tests.factories.compliance import (
        incident_reported,
        inspection_recorded,
        outsourcing_active,
        subcontracting_approved,
    )
    from tests.factories.registry import RegisterEntryFactory
    from tests.factories.screening import assigned_screening, screener_user, submitted_proposal

    RegisterEntryFactory(eligible=True, open_for_proposals=True, organization=organization)
    screener = screener_user()
    proposal = submitted_proposal()
    ProposalCallFactory()
    incident = incident_reported(chief_manager, organization=organization)
    compliance.incident_step_record(
        incident=incident, actor=chief_manager, kind=StepKind.CONTAINMENT, text="隔離した。", taken_at=timezone.now()
    )
    outsourcing = outsourcing_active(chief_manager, organization=organization)
    return {
        "screener": screener,
        "screening": assigned_screening(proposal, screener=screener, assigner=chief_manager),
        "incident": incident,
        "outsourcing": outsourcing,
        "subcontracting": subcontracting_approved(outsourcing, chief_manager),
        "inspection": inspection_recorded(chief_manager),
        "proposer": proposal.proposer,
    }


def _admin_pages(world) -> list[str]:
    change = "admin:compliance_{}_change"
    return [
        reverse("admin:index"),
        reverse("admin:compliance_incident_changelist"),
        reverse(change.format("incident"), args=[world["incident"].pk]),
        reverse(change.format("outsourcing"), args=[world["outsourcing"].pk]),
        reverse(change.format("subcontracting"), args=[world["subcontracting"].pk]),
        reverse(change.format("inspection"), args=[world["inspection"].pk]),
        reverse("admin:compliance_inspection_add"),
        reverse("admin:audit_accessrecord_changelist"),
    ]


def _assert_served_clean(response, policy: str) -> None:
    assert response.status_code == 200, response.request["PATH_INFO"]
    assert response["Content-Security-Policy"] == policy
    assert inline_code(response.content.decode()) == [], response.request["PATH_INFO"]


def test_admin_pages_carry_the_production_policy_and_no_inline_code(client, world, chief_manager, production_policy):
    client.force_login(chief_manager)

    for url in _admin_pages(world):
        _assert_served_clean(client.get(url), production_policy)


def test_the_dashboard_warning_and_the_screening_page_style_from_the_static_sheet(
    client, world, chief_manager, production_policy
):
    """The two pages whose inline styles moved to static/portal/admin.css."""
    client.force_login(chief_manager)
    dashboard = client.get(reverse("admin:index"))
    client.force_login(world["screener"])
    screen = client.get(reverse("admin:proposals_screening_screen", args=[world["screening"].pk]))

    for response in (dashboard, screen):
        _assert_served_clean(response, production_policy)
        assert "/static/portal/admin.css" in response.content.decode()
    assert 'class="portal-module-note"' in dashboard.content.decode()
    assert 'class="portal-col-quarter"' in screen.content.decode()
    stylesheet = (ROOT / "static/portal/admin.css").read_text(encoding="utf-8")
    assert ".module p.portal-module-note" in stylesheet and "th.portal-col-quarter" in stylesheet


@pytest.mark.parametrize(
    "name",
    ["home", "registry:list", "calls:list", "fees", "accounts:login", "accounts:register", "admin:login"],
)
def test_public_pages_carry_the_production_policy_and_no_inline_code(client, world, production_policy, name):
    _assert_served_clean(client.get(reverse(name)), production_policy)


def test_mypage_carries_the_production_policy_and_no_inline_code(client, world, production_policy):
    client.force_login(world["proposer"].user)

    for name in ("mypage:dashboard", "mypage:profile", "mypage:notifications", "contracts:list"):
        _assert_served_clean(client.get(reverse(name)), production_policy)


def test_the_policy_is_the_same_in_tests_and_in_production(production_policy):
    from django.utils.csp import build_policy

    assert json.dumps(build_policy(settings.SECURE_CSP)) == json.dumps(production_policy)
