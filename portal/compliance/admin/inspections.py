"""Staff side of the protection managers' inspections (点検, seed 004 第30条・第13条・第17条第2項) and of the
corrections of delivered datasets (誤りの訂正等, 第8条). Every write goes through compliance.services."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from anonymizer.models import AnonymizedDataset
from portal.accounts.roles import organizations_managed_by
from portal.compliance import services
from portal.compliance.admin.base import ServiceAdminMixin
from portal.compliance.enums import InspectionSubject
from portal.compliance.models import DatasetCorrection, Inspection
from portal.compliance.selectors import dataset_corrections_for_user, inspections_for_user, last_inspection
from portal.jdates import wareki

# 第13条 「当該設定の定期的確認」: the inspection list warns when the last review is older than this.
THRESHOLD_REVIEW_INTERVAL = datetime.timedelta(days=365)


class ReportedFilter(admin.SimpleListFilter):
    title = "総括管理者等への報告"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", "報告済み"), ("no", "未報告")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(reported_on__isnull=self.value() == "no")
        return queryset


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = (
            "organization",
            "subject",
            "occasion",
            "inspected_on",
            "scope",
            "findings",
            "result",
            "measures",
            "reported_on",
        )


@admin.register(Inspection)
class InspectionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Recorded once through services.inspection_record; afterwards only the date of the report to the
    chief manager may be added (services.inspection_report)."""

    form = InspectionForm
    list_display = ("inspected_on", "subject", "occasion", "organization", "result", "reported_on", "recorded_by_name")
    list_filter = ("subject", "occasion", "result", ReportedFilter, "organization")
    search_fields = ("scope", "findings")
    list_select_related = ("organization",)
    list_per_page = 50
    date_hierarchy = "inspected_on"
    readonly_fields = ("settings_column", "reported_by_name", "recorded_by_name", "recorded_at")

    def get_queryset(self, request):
        return inspections_for_user(request.user)

    def get_fields(self, request, obj=None):
        fields = InspectionForm.Meta.fields
        if obj is None:
            return fields
        return (*fields, *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        editable = ("reported_on",) if obj.reported_on is None else ()
        return (*(name for name in InspectionForm.Meta.fields if name not in editable), *self.readonly_fields)

    @admin.display(description="確認した設定（第13条）")
    def settings_column(self, obj):
        if not obj.settings_reviewed:
            return "－"
        return "、".join(f"{name} = {value:,}" for name, value in obj.settings_reviewed.items())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.has_perm("compliance.oversee_inspection"):
            kwargs["queryset"] = organizations_managed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        """seed 004 第13条: warn when the download warning's settings were not reviewed for a year."""
        if request.method == "GET":
            last = last_inspection(InspectionSubject.DOWNLOAD_ALERT_SETTINGS)
            if last is None or last.inspected_on < timezone.localdate() - THRESHOLD_REVIEW_INTERVAL:
                since = f"（最後の確認：{wareki(last.inspected_on)}）" if last else "（確認の記録なし）"
                self.message_user(
                    request,
                    f"ダウンロードの警告の設定（第13条）の定期的確認が1年以上記録されていません{since}。",
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            if "reported_on" in form.changed_data:
                services.inspection_report(inspection=obj, actor=request.user, reported_on=data["reported_on"])
            return
        saved = services.inspection_record(
            actor=request.user, **{name: data.get(name) for name in InspectionForm.Meta.fields}
        )
        form.instance = saved
        obj.pk, obj._state.adding = saved.pk, False


class DatasetCorrectionForm(forms.ModelForm):
    class Meta:
        model = DatasetCorrection
        fields = ("dataset", "found_on", "found_by", "error", "instruction", "corrected_on", "correction")


@admin.register(DatasetCorrection)
class DatasetCorrectionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """A protection manager records the error and the instruction (services.dataset_correction_record);
    what was done is added once on the same page (services.dataset_correction_complete)."""

    form = DatasetCorrectionForm
    list_display = ("dataset_name", "organization", "found_on", "corrected_column", "corrected_on")
    list_filter = ("organization",)
    search_fields = ("dataset_name", "error")
    list_select_related = ("organization",)
    list_per_page = 50
    readonly_fields = ("dataset_name", "organization", "instructed_by_name", "instructed_at", "corrected_by_name")
    _NEW = ("dataset", "found_on", "found_by", "error", "instruction")
    _DONE = ("corrected_on", "correction")

    def get_queryset(self, request):
        return dataset_corrections_for_user(request.user)

    @admin.display(description="訂正等", boolean=True)
    def corrected_column(self, obj):
        return obj.is_corrected

    def get_fields(self, request, obj=None):
        if obj is None:
            return self._NEW
        return (
            "dataset_name",
            "organization",
            *self._NEW[1:],
            "instructed_by_name",
            "instructed_at",
            *self._DONE,
            "corrected_by_name",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        done = self._DONE if obj.is_corrected else ()
        return (*self.readonly_fields, *self._NEW[1:], *done)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "dataset":
            kwargs["queryset"] = AnonymizedDataset.objects.filter(
                entry__organization__in=organizations_managed_by(request.user)
            ).select_related("contract")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.dataset_correction_record(
                actor=request.user, **{name: data.get(name) for name in self._NEW}
            )
            form.instance = saved
            obj.pk, obj._state.adding = saved.pk, False
        elif set(self._DONE) & set(form.changed_data):
            services.dataset_correction_complete(
                correction=obj,
                actor=request.user,
                corrected_on=data.get("corrected_on"),
                text=data.get("correction") or "",
            )
