"""Disposal certificates in the admin: a list and a read-only page with the PDF; nobody adds, edits or deletes."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from portal.audit.services import download_record
from portal.disposal.models import DisposalCertificate
from portal.disposal.selectors import certificates_for_user


@admin.register(DisposalCertificate)
class DisposalCertificateAdmin(admin.ModelAdmin):
    list_display = (
        "certificate_number",
        "disposed_at",
        "organization_name",
        "short_description",
        "method",
        "actor_name",
    )
    list_filter = ("method", "fiscal_year")
    search_fields = ("certificate_number", "description", "object_id", "actor_name", "organization_name")
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("certificate_number", "fiscal_year", "pdf_link", "pdf_sha256")}),
        ("消去した情報", {"fields": ("description", "object_type", "object_id", "method", "key_id", "sha256")}),
        ("消去の実施", {"fields": ("disposed_at", "actor_name", "organization_name", "reason")}),
        ("契約", {"fields": ("contract_number", "contractor_report")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [*(field.name for field in DisposalCertificate._meta.fields), "pdf_link"]

    def get_queryset(self, request):
        return certificates_for_user(request.user)

    # --- read-only for everyone (seed 004 第10条: the proof outlives what it proves) ---
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Another organization's certificate answers like one that does not exist (404, STYLE).
        if self.has_view_permission(request) and self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if self.has_view_permission(request) and self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    @admin.display(description="消去した情報")
    def short_description(self, obj):
        return obj.description if len(obj.description) <= 60 else obj.description[:60] + "…"

    @admin.display(description="消去証明書（PDF）")
    def pdf_link(self, obj):
        if not obj or not obj.pdf:
            return "－"
        url = reverse("admin:disposal_disposalcertificate_pdf", args=[obj.public_id])
        return format_html('<a href="{}">{}</a>（{}バイト）', url, obj.pdf_name, f"{obj.pdf_size:,}")

    def get_urls(self):
        return [
            path(
                "<uuid:public_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="disposal_disposalcertificate_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, public_id):
        """The certificate as issued, as a download recorded with download_record (seed 004 第12条・第13条)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        certificate = self.get_queryset(request).filter(public_id=public_id).first()
        if certificate is None or not certificate.pdf:
            raise Http404
        outcome = download_record(actor=request.user, obj=certificate, bytes=certificate.pdf_size, request=request)
        if outcome.warning:
            messages.warning(request, outcome.message)
        response = FileResponse(
            certificate.pdf.open("rb"),
            as_attachment=True,
            filename=certificate.pdf_name,
            content_type="application/pdf",
        )
        response["Cache-Control"] = "no-store"
        return response
