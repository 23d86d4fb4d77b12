"""Official PDFs: text, embedded Japanese font, page numbers, escaping, no network, missing fonts."""

import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from portal.pdf import (
    FONT_FAMILY,
    FontMissingError,
    GlyphMissingError,
    html_to_pdf,
    render_pdf,
    render_pdf_response,
    samples,
)
from portal.pdf import fonts as pdf_fonts
from portal.pdf.rendering import BASE_URL, static_file_path

REPO = Path(settings.BASE_DIR)


def pdftotext(pdf: bytes) -> str:
    """The text in drawing order (-raw), so that each table cell's lines stay together."""
    result = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True)  # noqa: S607
    return result.stdout.decode()


def flat(text: str) -> str:
    """pdftotext output without line breaks or spaces, for phrases that wrap."""
    return re.sub(r"\s+", "", text)


def pdffonts(pdf: bytes, tmp_path: Path) -> list[dict]:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()  # noqa: S603, S607
    rows = []
    for line in lines[2:]:
        # name, then type (may contain spaces), encoding, emb, sub, uni, object id, generation
        name, rest = line.split(maxsplit=1)
        emb, sub, uni = rest.split()[-5:-2]
        rows.append({"name": name, "emb": emb, "sub": sub, "uni": uni})
    return rows


def pdfinfo(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", "-isodates", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    return dict(line.split(":", 1) for line in info.splitlines() if ":" in line)


def page_count(pdf: bytes, tmp_path: Path) -> int:
    return int(pdfinfo(pdf, tmp_path)["Pages"])


@pytest.fixture
def local_server():
    """An HTTP server on the loopback interface that records every request it receives."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def locmem_templates(settings):
    """Lets a test add templates by name: returns the dict the locmem loader reads."""
    templates: dict[str, str] = {}
    engine = dict(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "loaders": [
            ("django.template.loaders.locmem.Loader", templates),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    }
    settings.TEMPLATES = [engine]
    return templates


def test_render_pdf_adequate_notice_has_the_official_layout():
    pdf = render_pdf("pdf/result_notice_adequate.html", samples.result_notice_adequate())

    text = pdftotext(pdf)
    assert pdf.startswith(b"%PDF-")
    assert "デ推個第1234号" in text
    assert "令和8年11月23日" in text
    words = flat(text)
    assert "株式会社みらい統計研究所代表取締役佐藤健一殿" in words
    assert f"{settings.AGENCY_HEAD_TITLE}山本恵子（公印省略）" in words
    assert "審査結果について（通知）" in words
    assert "同条第2項の規定により" in words
    assert "契約を締結することができます" in words
    assert "金100,000円" in words
    assert "令和8年12月25日" in words
    assert "同封書類" in words
    assert "契約の締結の申込書" in words
    assert "1 / 2" in text
    assert "2 / 2" in text


def test_render_pdf_inadequate_notice_gives_reasons_per_criterion():
    context = samples.result_notice_inadequate()

    text = pdftotext(render_pdf("pdf/result_notice_inadequate.html", context))

    words = flat(text)
    assert "同条第3項の規定により" in words
    assert "令和8年11月23日" in text
    assert words.count("不適合") == 2
    for criterion in context["criteria"]:
        assert flat(criterion["reason"]) in words


def test_render_pdf_contract_application_is_prefilled_and_addressed_to_the_head():
    text = pdftotext(render_pdf("pdf/contract_application.html", samples.contract_application()))

    words = flat(text)
    assert "行政機関等匿名加工情報の利用に関する契約の締結の申込書" in words
    assert f"{settings.AGENCY_HEAD_TITLE}殿" in words
    assert "第115条の規定により" in words
    assert "R8-0042" in words
    assert "株式会社みらい統計研究所" in words
    assert "令和9年1月15日から令和11年3月31日まで" in words
    assert "令和年月日" in words  # the date is left for the applicant to fill in


def test_render_pdf_usage_contract_runs_over_several_numbered_pages(tmp_path):
    context = samples.usage_contract()

    pdf = render_pdf("pdf/usage_contract.html", context)

    pages = page_count(pdf, tmp_path)
    text = pdftotext(pdf)
    words = flat(text)
    assert pages >= 3
    assert f"1 / {pages}" in text
    assert f"{pages} / {pages}" in text
    assert "行政機関等匿名加工情報の利用に関する契約書" in words
    for phrase in (
        "第115条の規定に基づき",
        "（識別行為の禁止）",
        "（安全管理措置）",
        "第三者に提供し、貸与し、又は閲覧させてはならない",
        "（報告及び調査）",
        "消去証明書",
        "法第120条の規定により",
        "第17条",
        "令和9年1月15日から令和11年3月31日まで",
        "別表",
        "特記事項（自由記述）",
    ):
        assert phrase in words, phrase
    for measure in context["security_measures"]:
        assert flat(measure) in words


def test_render_pdf_payment_slip_has_three_parts():
    text = pdftotext(render_pdf("pdf/payment_slip.html", samples.payment_slip()))

    words = flat(text)
    assert words.count("金100,000円") == 3
    assert "領収証書" in words
    assert "領収済通知書" in words
    assert "令和8年12月25日" in words
    assert "令和8年度" in words
    assert "1 / 1" in text


@pytest.mark.parametrize("template_name", sorted(samples.SAMPLES))
def test_render_pdf_embeds_the_pinned_japanese_font(template_name, tmp_path):
    pdf = render_pdf(template_name, samples.SAMPLES[template_name]())

    rows = pdffonts(pdf, tmp_path)
    pinned = FONT_FAMILY.replace(" ", "-")
    assert [row for row in rows if row["name"].split("+")[-1].startswith(pinned)], rows
    assert {row["emb"] for row in rows} == {"yes"}
    assert {row["sub"] for row in rows} == {"yes"}  # subsets, not whole fonts


def test_render_pdf_same_input_gives_same_bytes(tmp_path):
    first = render_pdf("pdf/result_notice_adequate.html", samples.result_notice_adequate())
    second = render_pdf("pdf/result_notice_adequate.html", samples.result_notice_adequate())

    info = pdfinfo(first, tmp_path)
    assert first == second
    assert info["CreationDate"].strip() == "2026-11-23T00:00:00+09"  # the document date, not the clock
    assert info["Title"].strip() == "審査結果通知書（R8-0042）"


def test_render_pdf_escapes_html_in_context_values(local_server):
    url, requests = local_server
    context = samples.result_notice_adequate()
    context["addressee"] = {"name": f'<b>悪意</b><img src="{url}/img.png">&amp;', "representative": ""}

    text = pdftotext(render_pdf("pdf/result_notice_adequate.html", context))

    assert "<b>悪意</b>" in text
    assert "<img src=" in text
    assert "&amp;" in text
    assert requests == []


def test_render_pdf_does_not_fetch_remote_urls(locmem_templates, local_server, caplog):
    url, requests = local_server
    locmem_templates["pdf/test_remote.html"] = f"""{{% extends "pdf/base.html" %}}
{{% block style %}}<link rel="stylesheet" href="{url}/style.css">
<style>@import url("{url}/import.css"); body {{ background: url("{url}/background.png") }}</style>{{% endblock %}}
{{% block content %}}<p>遠隔の資源</p><img src="{url}/image.png"><img src="file:///etc/hostname">{{% endblock %}}"""

    pdf = render_pdf("pdf/test_remote.html", {})

    assert "遠隔の資源" in pdftotext(pdf)
    assert requests == []
    refused = [record.getMessage() for record in caplog.records if "refused to fetch" in record.getMessage()]
    assert any(f"{url}/style.css" in message for message in refused)
    assert any(f"{url}/image.png" in message for message in refused)
    assert any("file:///etc/hostname" in message for message in refused)


def test_render_pdf_reads_local_static_files_and_data_urls(locmem_templates, caplog):
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    locmem_templates["pdf/test_static.html"] = (
        '{% extends "pdf/base.html" %}{% load static %}'
        '{% block style %}<link rel="stylesheet" href="{% static "pdf/official.css" %}">{% endblock %}'
        '{% block content %}<p>静的ファイル</p><img src="data:image/png;base64,' + pixel + '">{% endblock %}'
    )

    pdf = render_pdf("pdf/test_static.html", {})

    assert "静的ファイル" in pdftotext(pdf)
    assert [record for record in caplog.records if "refused to fetch" in record.getMessage()] == []


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (f"{BASE_URL}static/pdf/official.css", True),
        (f"{BASE_URL}static/pdf/missing.css", False),
        (f"{BASE_URL}static/../portal/settings.py", False),
        (f"{BASE_URL}static/%2e%2e/portal/settings.py", False),
        (f"{BASE_URL}portal/settings.py", False),
        ("https://example.com/static/pdf/official.css", False),
        ("file:///etc/passwd", False),
    ],
)
def test_static_file_path_resolves_only_static_files(url, allowed):
    assert (static_file_path(url) is not None) == allowed


def test_render_pdf_without_the_font_raises_a_clear_error(monkeypatch):
    monkeypatch.setattr(pdf_fonts, "_families_and_files", lambda: [(("DejaVu Serif",), "/fonts/DejaVuSerif.ttf")])
    pdf_fonts.require_font.cache_clear()
    try:
        with pytest.raises(FontMissingError) as error:
            render_pdf("pdf/result_notice_adequate.html", samples.result_notice_adequate())
    finally:
        pdf_fonts.require_font.cache_clear()

    assert error.value.family == FONT_FAMILY
    assert f"apt-get install {pdf_fonts.FONT_PACKAGES[FONT_FAMILY]}" in str(error.value)


def test_render_pdf_on_a_machine_without_japanese_fonts_raises(tmp_path):
    """A fresh process whose Fontconfig sees only DejaVu, as on a machine where set-up was not run."""
    (tmp_path / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
        f"<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    script = (
        "import django; django.setup()\n"
        "from portal.pdf import FontMissingError, render_pdf\n"
        "from portal.pdf.samples import result_notice_adequate\n"
        "try:\n"
        "    render_pdf('pdf/result_notice_adequate.html', result_notice_adequate())\n"
        "except FontMissingError as error:\n"
        "    print(error); raise SystemExit(3)\n"
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(tmp_path / "fonts.conf"),
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
    }

    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True)  # noqa: S603

    assert result.returncode == 3, result.stderr
    assert FONT_FAMILY in result.stdout
    assert pdf_fonts.FONT_PACKAGES[FONT_FAMILY] in result.stdout


def test_html_to_pdf_raises_for_characters_no_font_has():
    html = '<html lang="ja"><body><p>外字\U000f0001を含む</p></body></html>'

    with pytest.raises(GlyphMissingError) as error:
        html_to_pdf(html)

    assert error.value.characters == "\U000f0001"
    assert "U+F0001" in str(error.value)


def test_render_pdf_response_is_a_pdf_with_a_japanese_filename():
    response = render_pdf_response(
        "pdf/payment_slip.html", samples.payment_slip(), filename="納付書.pdf", as_attachment=True
    )

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response.content.startswith(b"%PDF-")


def test_pinned_font_is_the_same_in_css_module_and_setup():
    css = (REPO / "static/pdf/official.css").read_text()
    setup = (REPO / "scripts/setup.sh").read_text()

    families = re.findall(r"font-family:\s*\"([^\"]+)\"", css)
    assert families
    assert set(families) == {FONT_FAMILY}
    assert pdf_fonts.FONT_PACKAGES[FONT_FAMILY] in setup


def test_render_pdf_with_a_request_runs_the_context_processors(rf, locmem_templates):
    locmem_templates["pdf/test_request.html"] = (
        '{% extends "pdf/base.html" %}{% block content %}<p>{{ PORTAL_TITLE }}</p>{% endblock %}'
    )

    text = pdftotext(render_pdf("pdf/test_request.html", {}, request=rf.get("/")))

    assert flat(settings.PORTAL_TITLE) in flat(text)
