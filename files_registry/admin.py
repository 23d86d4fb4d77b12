"""The register in the admin console: maintained by staff, with a change history and an import."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from files_registry.enums import EligibilityCondition
from files_registry.forms import RegisterImportForm
from files_registry.importing import register_import
from files_registry.models import AnonymizedDatasetSummary, AnonymizedDatasetSummaryItem, RecordedItem, RegisterEntry
from files_registry.services import entry_record_eligibility, entry_refresh_search_text
from portal.accounts.roles import organizations_managed_by

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
