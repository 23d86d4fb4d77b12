"""The register in the admin console: maintained by staff, with a change history and an import."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from files_registry.enums import EligibilityCondition
from files_registry.forms import RegisterImportForm
from files_registry.forms_sources import SourceFileDestroyForm, SourceFileUploadForm
from files_registry.importing import register_import
from files_registry.models import (
    AnonymizedDatasetSummary,
    AnonymizedDatasetSummaryItem,
    RecordedItem,
    RegisterEntry,
    SourceFile,
)
from files_registry.services import entry_record_eligibility, entry_refresh_search_text
from files_registry.sources import source_file_store
from portal.accounts.roles import StaffRole, organizations_managed_by, user_has_role
from portal.audit.refusals import refusal_record_if_exists
from portal.disposal.selectors import certificates_for_object
from portal.disposal.services import SOURCE_FILE_TYPE, DisposalError, source_file_dispose

_ELIGIBILITY_AUDIT_FIELDS = tuple(
    f"eligibility_{condition.value}_{suffix}" for condition in EligibilityCondition for suffix in ("by", "at")
)


class RecordedItemInline(admin.TabularInline):
    model = RecordedItem
    extra = 1
    ordering = ["position"]
    fields = ["position", "name"]


@admin.register(RegisterEntry)
class RegisterEntryAdmin(SimpleHistoryAdmin):
    list_display = ("register_number", "name", "organization", "file_type", "open_for_proposals", "published")
    list_filter = ("organization", "file_type", "open_for_proposals", "published", "contains_sensitive_information")
    search_fields = ("register_number", "name", "purpose")
    list_select_related = ("organization",)
    list_per_page = 50
    inlines = [RecordedItemInline]
    readonly_fields = ("public_id", *_ELIGIBILITY_AUDIT_FIELDS, "created_at", "updated_at")
    fieldsets = (
        (
            "個人情報ファイル簿（公表事項）",
            {
                "fields": (
                    "register_number",
                    "name",
                    "agency_name",
                    "organization",
                    "purpose",
                    "record_scope",
                    "collection_method",
                    "contains_sensitive_information",
                    "regular_recipients",
                    "disclosure_office",
                    "special_procedures",
                    "file_type",
                    "cabinet_order_20_7",
                    "open_for_proposals",
                    "proposal_office",
                    "existing_dataset_proposal_office",
                    "remarks",
                    "published",
                )
            },
        ),
        (
            "職員のみ：本人の数と提案募集の3要件",
            {
                "description": (
                    "提案募集の対象とするには、3要件のすべての確認が必要です（確認者と確認日時が記録されます）。"
                ),
                "fields": (
                    "subject_count",
                    "eligibility_registered",
                    ("eligibility_registered_by", "eligibility_registered_at"),
                    "eligibility_disclosable",
                    ("eligibility_disclosable_by", "eligibility_disclosable_at"),
                    "eligibility_processable",
                    ("eligibility_processable_by", "eligibility_processable_at"),
                ),
            },
        ),
        ("管理情報", {"fields": ("public_id", "created_at", "updated_at")}),
    )

    # --- who may do what: the global permission, or the object permission on the organization ---
    def _manages(self, request, obj) -> bool:
        if request.user.has_perm("files_registry.change_registerentry"):
            return True
        managed = organizations_managed_by(request.user)
        return managed.exists() if obj is None else managed.filter(pk=obj.organization_id).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff and self._manages(request, obj)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and self._manages(request, None)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("files_registry.confirm_eligibility"):
            fields += [f"eligibility_{condition.value}" for condition in EligibilityCondition]
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.has_perm("files_registry.change_registerentry"):
            kwargs["queryset"] = organizations_managed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        for condition in EligibilityCondition:
            name = f"eligibility_{condition.value}"
            if name in form.changed_data:
                entry_record_eligibility(entry=obj, condition=condition, holds=getattr(obj, name), actor=request.user)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        entry_refresh_search_text(entry=form.instance)

    # --- import ---
    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="files_registry_registerentry_import"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": request.user.has_perm("files_registry.import_registerentry"),
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not request.user.has_perm("files_registry.import_registerentry"):
            raise PermissionDenied
        report = None
        form = RegisterImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            report = register_import(data=upload.read(), actor=request.user, source_name=upload.name)
            if report.ok:
                messages.success(request, report.summary())
                return redirect(reverse("admin:files_registry_registerentry_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "個人情報ファイル簿の取込み",
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/files_registry/registerentry/import.html", context)


class AnonymizedDatasetSummaryItemInline(admin.TabularInline):
    model = AnonymizedDatasetSummaryItem
    extra = 1
    ordering = ["position"]


@admin.register(AnonymizedDatasetSummary)
class AnonymizedDatasetSummaryAdmin(SimpleHistoryAdmin):
    list_display = ("entry", "subject_count", "created_on", "proposal_period_start", "proposal_period_end", "published")
    list_select_related = ("entry",)
    inlines = [AnonymizedDatasetSummaryItemInline]
    autocomplete_fields = ("entry",)


# --- Source files (原データ): metadata, upload and crypto-erase; the data itself is never shown or edited ---


@admin.register(SourceFile)
class SourceFileAdmin(admin.ModelAdmin):
    """Protection managers (and officers, upload only) see the source files of the organizations they manage;
    the chief manager sees every one, read-only (seed 004 第5条). Uploads go through source_file_store
    (encrypted at rest, 第18条); destruction through source_file_dispose (crypto-erase + 消去証明, 第10条)."""

    list_display = ("original_name", "entry", "size_display", "uploaded_by_name", "uploaded_at", "destroyed_at")
    search_fields = ("original_name", "entry__name", "entry__register_number")
    list_select_related = ("entry",)
    list_per_page = 50
    fields = (
        "entry",
        "original_name",
        "size_display",
        "sha256",
        "uploaded_by_name",
        "uploaded_at",
        "destroyed_at",
        "certificate_links",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("entry")
        if user_has_role(request.user, StaffRole.CHIEF_MANAGER):
            return queryset  # oversight: the list and the metadata, nothing more
        return queryset.filter(entry__organization__in=organizations_managed_by(request.user))

    def _manages(self, request, source: SourceFile) -> bool:
        return organizations_managed_by(request.user).filter(pk=source.entry.organization_id).exists()

    def _may_destroy(self, request, source: SourceFile) -> bool:
        return (
            source.destroyed_at is None
            and request.user.has_perm("files_registry.delete_sourcefile")
            and self._manages(request, source)
        )

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and organizations_managed_by(request.user).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the data and its record are never edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a row is never deleted: destruction is the crypto-erase below, with its certificate

    @admin.display(description="サイズ")
    def size_display(self, obj):
        return f"{obj.size:,} バイト"

    @admin.display(description="消去証明")
    def certificate_links(self, obj):
        certificates = list(certificates_for_object(object_type=SOURCE_FILE_TYPE, object_id=str(obj.public_id)))
        if not certificates:
            return "－"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a>',
            (
                (reverse("admin:disposal_disposalcertificate_change", args=[certificate.pk]), str(certificate))
                for certificate in certificates
            ),
        )

    def _visible_or_404(self, request, object_id) -> None:
        # Another organization's file answers like one that does not exist (404, STYLE).
        if self.has_view_permission(request) and self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._visible_or_404(request, object_id)
        source = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "can_destroy": source is not None and self._may_destroy(request, source),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/destroy/",
                self.admin_site.admin_view(self.destroy_view),
                name="files_registry_sourcefile_destroy",
            ),
            *super().get_urls(),
        ]

    def _render(self, request, template: str, title: str, **context):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **context}
        return TemplateResponse(request, f"admin/files_registry/sourcefile/{template}", context)

    def add_view(self, request, form_url="", extra_context=None):
        """The upload: an entry the user manages and a file checked by its content (forms_sources)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = (request.POST, request.FILES) if request.method == "POST" else (None, None)
        form = SourceFileUploadForm(*data, user=request.user)
        try:
            if request.method == "POST" and form.is_valid():
                try:
                    source = source_file_store(
                        entry=form.cleaned_data["entry"], upload=form.cleaned_data["file"], actor=request.user
                    )
                except OSError:
                    form.add_error(None, "ファイルを保存できませんでした。時間をおいて再度登録してください。")
                else:
                    messages.success(
                        request,
                        f"「{source.original_name}」（{form.format_label}）を暗号化して登録しました。",
                    )
                    return redirect(reverse("admin:files_registry_sourcefile_change", args=[source.pk]))
        finally:
            # seed 004 第17条: the temporary upload file is the only plaintext copy; remove it now.
            for _, uploads in request.FILES.lists():
                for upload in uploads:
                    upload.close()
        return self._render(request, "upload.html", "原データの登録", form=form)

    def destroy_view(self, request, pk):
        """Crypto-erase with a mandatory reason, and the disposal certificate in the same transaction."""
        if not request.user.has_perm("files_registry.delete_sourcefile"):
            raise PermissionDenied
        source = self.get_queryset(request).filter(pk=pk).first()
        if source is None or not self._manages(request, source):
            refusal_record_if_exists(SourceFile, actor=request.user, request=request, pk=pk)  # 第5条2項
            raise Http404
        change_url = reverse("admin:files_registry_sourcefile_change", args=[source.pk])
        if source.destroyed_at is not None:
            messages.info(request, "この原データは既に消去されています。")
            return redirect(change_url)
        form = SourceFileDestroyForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                certificate = source_file_dispose(source=source, actor=request.user, reason=form.cleaned_data["reason"])
            except DisposalError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, f"原データを消去し、消去証明（{certificate.certificate_number}）を発行しました。"
                )
                return redirect(reverse("admin:disposal_disposalcertificate_change", args=[certificate.pk]))
        return self._render(request, "destroy.html", "原データの消去", form=form, source=source, change_url=change_url)
