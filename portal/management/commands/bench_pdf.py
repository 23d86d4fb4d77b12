"""Measure how long the official PDFs take: a result notice and a usage contract, rendered repeatedly.

The last line of stdout is one JSON object (the figures of the pinned font). With --compare-fonts, each
installed candidate family is measured too, in the same rounds (the house stylesheet's font overridden
in the document), and its figures are added under "fonts".
"""

import json
import logging
import math
import statistics
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from portal.pdf import fonts, rendering, samples

NOTICE = "pdf/result_notice_adequate.html"
CONTRACT = "pdf/usage_contract.html"


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def _with_font(html: str, family: str | None) -> str:
    """The document with its font replaced by `family` (an author style, which beats the house stylesheet)."""
    if family is None:
        return html
    override = f'<style>@page {{ font-family: "{family}" }} html {{ font-family: "{family}" }}</style>'
    return html.replace("</head>", override + "</head>", 1)


def _render(template_name: str, family: str | None) -> tuple[float, bytes]:
    """One render the way a view does it (template included): milliseconds and the PDF."""
    context = rendering.pdf_context(samples.SAMPLES[template_name]())
    started = time.perf_counter()
    pdf = rendering.html_to_pdf(_with_font(render_to_string(template_name, context), family))
    return (time.perf_counter() - started) * 1000, pdf


def _first_render_ms(family: str | None) -> float:
    """A notice rendered in a new thread, whose font configuration and parsed stylesheet start cold."""
    result: dict = {}

    def run():
        try:
            result["ms"] = _render(NOTICE, family)[0]
        except Exception as exc:  # re-raised in the calling thread
            result["error"] = exc

    thread = threading.Thread(target=run, name="bench_pdf first render")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["ms"]


def _measure(families: list[str | None], renders: int, warmup: int) -> dict:
    """Figures per family. Rounds interleave the families (in a rotating order), so that load from other
    processes on the machine weighs on every family alike."""
    times = {family: {NOTICE: [], CONTRACT: []} for family in families}
    sizes = {family: {} for family in families}
    for round_number in range(warmup + renders):
        shift = round_number % len(families)
        for family in families[shift:] + families[:shift]:
            for template_name in (NOTICE, CONTRACT):
                elapsed, pdf = _render(template_name, family)
                if round_number >= warmup:
                    times[family][template_name].append(elapsed)
                sizes[family][template_name] = len(pdf)
    figures = {}
    for family in families:
        figures[family] = {
            "notice_median_ms": round(statistics.median(times[family][NOTICE]), 1),
            "notice_p95_ms": round(_percentile(times[family][NOTICE], 0.95), 1),
            "contract_median_ms": round(statistics.median(times[family][CONTRACT]), 1),
            "contract_p95_ms": round(_percentile(times[family][CONTRACT], 0.95), 1),
            "notice_pdf_bytes": sizes[family][NOTICE],
            "contract_pdf_bytes": sizes[family][CONTRACT],
        }
    return figures


class Command(BaseCommand):
    help = "Measures PDF rendering (result notice and usage contract) and prints JSON on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--renders", type=int, default=30, help="measured renders per document (default 30)")
        parser.add_argument("--warmup", type=int, default=3, help="renders before measuring (default 3)")
        parser.add_argument(
            "--compare-fonts", action="store_true", help="also measure every installed candidate Japanese font"
        )

    def handle(self, *args, **options):
        renders, warmup = options["renders"], options["warmup"]
        if renders < 1 or warmup < 0:
            raise CommandError("--renders must be at least 1 and --warmup at least 0.")
        for name in ("weasyprint", "weasyprint.progress"):  # one INFO line per rendering step otherwise
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            font_file = fonts.require_font()
        except fonts.FontMissingError as exc:
            raise CommandError(str(exc)) from None

        first_ms = _first_render_ms(None)
        families: list[str | None] = [None]
        if options["compare_fonts"]:
            for family, package in fonts.FONT_PACKAGES.items():
                if fonts.font_files(family):
                    families.append(family)
                else:
                    self.stdout.write(f"{family}: not installed ({package})")
        figures = _measure(families, renders, warmup)

        summary = {"font": fonts.FONT_FAMILY, "font_file": str(font_file), "renders": renders, **figures[None]}
        summary["first_render_ms"] = round(first_ms, 1)
        if options["compare_fonts"]:
            summary["fonts"] = {}
            for family in families[1:]:
                compared = {
                    "package": fonts.FONT_PACKAGES[family],
                    **figures[family],
                    "first_render_ms": round(_first_render_ms(family), 1),
                }
                summary["fonts"][family] = compared
                self.stdout.write(f"{family}: {json.dumps(compared, ensure_ascii=False)}")
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
