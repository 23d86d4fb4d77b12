"""The audit report page in the admin (監査報告, seed 004 第29条–第31条): on screen, as PDF, as CSV (zip).

Mounted by PortalAdminSite.get_urls() at admin/audit/report/ behind admin_view (staff, second factor).
A read that is itself recorded: each report generated is an access record エクスポート.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.utils import timezone

from portal.audit.forms import ReportPeriodForm
from portal.audit.reports import (
    PDF_ROW_LIMIT,
    SCREEN_ROW_LIMIT,
    ReportPeriod,
    audit_report_allowed,
    audit_report_record,
    default_period,
    jtime,
    report_build,
    report_csv_zip,
)
from portal.pdf import render_pdf_response

TITLE = "監査報告（アクセス記録等）"


def audit_report(request: HttpRequest) -> HttpResponse:
    """GET only: without a period, the form (last month filled in); with one, the report in the chosen output."""
    if not audit_report_allowed(request.user):
        raise PermissionDenied  # recorded as a refusal by AccessRefusalMiddleware
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if "start" not in request.GET and "end" not in request.GET:
        default = default_period()
        form = ReportPeriodForm(initial={"start": default.start, "end": default.end, "output": "html"})
        return _page(request, form)
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return _page(request, form)
    period = ReportPeriod(form.cleaned_data["start"], form.cleaned_data["end"])
    output = form.cleaned_data["output"]
    audit_report_record(actor=request.user, period=period, output=output, request=request)
    generated_by = getattr(request.user, "display_name", "") or request.user.get_username()
    file_stem = f"監査報告_{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if output == "csv":
        return FileResponse(
            report_csv_zip(period=period, generated_by=generated_by),
            as_attachment=True,
            filename=f"{file_stem}.zip",
            content_type="application/zip",
        )
    if output == "pdf":
        context = _report_context(period, generated_by, row_limit=PDF_ROW_LIMIT)
        return render_pdf_response("pdf/audit_report.html", context, filename=f"{file_stem}.pdf", as_attachment=True)
    return _page(request, form, report=_report_context(period, generated_by, row_limit=SCREEN_ROW_LIMIT))


def _report_context(period: ReportPeriod, generated_by: str, *, row_limit: int) -> dict:
    now = timezone.now()
    return {
        "period": period,
        "generated_at": jtime(now),
        "generated_by": generated_by,
        "document_date": timezone.localdate(now),
        "sections": report_build(period=period, row_limit=row_limit),
        "row_limit": row_limit,
    }


def _page(request: HttpRequest, form: ReportPeriodForm, report: dict | None = None) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": TITLE, "form": form, "report": report}
    return TemplateResponse(request, "admin/audit/report.html", context)
