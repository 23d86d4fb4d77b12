"""Staff side: the fee schedule (手数料), contracts, hours, payments, cancellations, reports.

Staff see the contracts on files of the organizations they manage; the chief manager and the audit
officer see all (seed 004 第5条, contracts.selectors.contracts_for_staff). Opening a contract or a report
is recorded as 閲覧 (第12条); every write goes through contracts.services, which records it.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from contracts.models import (
    Cancellation,
    Contract,
    ContractDocument,
    ContractReport,
    ContractTransition,
    CreationHoursLog,
    FeeSchedule,
    Payment,
)
from contracts.selectors import CONTRACT_ORGANIZATION, contracts_for_staff
from contracts.services import (
    ContractError,
    contract_cancel,
    contract_conclude,
    fee_finalize,
    hours_log,
    payment_record,
)
from portal.accounts.roles import scoped_to_managed
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.refusals import object_in_scope_or_404
from portal.audit.services import access_record
from portal.jdates import fiscal_year
from portal.uploads import protected_download


@admin.register(FeeSchedule)
class FeeScheduleAdmin(SimpleHistoryAdmin):
    list_display = ("fiscal_year", "kind", "base_amount", "hourly_amount", "existing_dataset_amount", "updated_at")
    list_filter = ("kind",)

    def get_changeform_initial_data(self, request):
        return {"fiscal_year": fiscal_year(timezone.localdate()), **super().get_changeform_initial_data(request)}

    def has_delete_permission(self, request, obj=None):
        return False


# --- Usage contracts (法115・法119・法120): every write goes through contracts.services ---


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TransitionInline(_ReadOnlyInline):
    model = ContractTransition
    fields = ("occurred_at", "from_status", "to_status", "actor_name", "reason")
    readonly_fields = fields


class HoursInline(_ReadOnlyInline):
    model = CreationHoursLog
    fields = ("work_date", "hours", "description", "logged_by_name")
    readonly_fields = fields


class PaymentInline(_ReadOnlyInline):
    model = Payment
    fields = ("paid_on", "method", "reference", "amount", "is_correction", "correction_reason", "recorded_by_name")
    readonly_fields = fields


class ReportInline(_ReadOnlyInline):
    model = ContractReport
    fields = ("submitted_at", "kind", "occurred_on", "body", "submitted_by_name")
    readonly_fields = fields


class _ScopedToContracts:
    """The admin's queryset: rows of the contracts the staff member may see (seed 004 第5条)."""

    contract_path = "contract__"

    def get_queryset(self, request):
        path = f"{self.contract_path}{CONTRACT_ORGANIZATION}"
        return scoped_to_managed(super().get_queryset(request), request.user, path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "contract":
            kwargs["queryset"] = contracts_for_staff(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class _RecordedChangeView:
    """Opening one object's page is recorded as 閲覧 (seed 004 第12条); the admin site has already answered
    404 for an object out of reach (portal/admin_objects.py)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            access_record(
                actor=request.user, action=AccessAction.VIEW, result=AccessResult.SUCCESS, obj=obj, request=request
            )
        return response


def _run_each(modeladmin, request, queryset, action, done: str) -> None:
    for contract in queryset:
        try:
            action(contract)
        except ContractError as error:
            modeladmin.message_user(request, f"{contract}: {error}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{contract}: {done}", messages.SUCCESS)


@admin.register(Contract)
class ContractAdmin(_RecordedChangeView, _ScopedToContracts, admin.ModelAdmin):
    list_display = ("__str__", "proposal", "proposer", "status", "fee_amount", "period_end", "creation_status")
    list_filter = ("status", "creation_status")
    search_fields = ("contract_number", "proposal__receipt_number", "proposer__name")
    list_select_related = ("proposal", "proposer")
    inlines = [TransitionInline, HoursInline, PaymentInline, ReportInline]
    actions = ["action_fee_finalize", "action_conclude"]
    contract_path = ""

    def get_readonly_fields(self, request, obj=None):
        return [*(field.name for field in Contract._meta.fields), "document_links"]

    @admin.display(description="書類（申込書・報告の添付）")
    def document_links(self, obj):
        documents = list(obj.documents.all()) if obj and obj.pk else []
        if not documents:
            return "－"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}（{}）</a>',
            (
                (
                    reverse("admin:contracts_contract_document", args=[obj.pk, document.public_id]),
                    document.original_name,
                    document.get_kind_display(),
                )
                for document in documents
            ),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/documents/<uuid:document_id>/",
                self.admin_site.admin_view(self.document_view),
                name="contracts_contract_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, pk, document_id):
        """Staff download a contract document (the signed application, a report's attachment); recorded with
        download_record (seed 004 第12条・第13条) by protected_download. 404 alike for a document out of reach
        (recorded as refused) and one that does not exist."""
        contracts = self.get_queryset(request) if self.has_view_permission(request) else Contract.objects.none()
        documents = ContractDocument.objects.filter(contract__in=contracts)
        document = object_in_scope_or_404(
            documents, actor=request.user, request=request, contract_id=pk, public_id=document_id
        )
        return protected_download(request, document)

    def has_add_permission(self, request):
        return False  # created by the proposer's application (法115)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="手数料の額を確定する（記録された作成時間による, 法第119条）", permissions=["fix_fee"])
    def action_fee_finalize(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda c: fee_finalize(contract=c, actor=request.user),
            "手数料の額を確定しました。",
        )

    @admin.action(description="利用契約を締結する（納付の確認後）", permissions=["conclude"])
    def action_conclude(self, request, queryset):
        _run_each(
            self, request, queryset, lambda c: contract_conclude(contract=c, actor=request.user), "契約を締結しました。"
        )

    def has_fix_fee_permission(self, request):
        return request.user.has_perm("contracts.fix_fee_contract")

    def has_conclude_permission(self, request):
        return request.user.has_perm("contracts.conclude_contract")


class _ServiceForm(forms.ModelForm):
    """The rules (one payment per contract, corrections …) are the service's: the form checks only fields."""

    def validate_unique(self):
        pass

    def validate_constraints(self):
        pass


class _ServiceAddAdmin(_ScopedToContracts, admin.ModelAdmin):
    """Add-only: the add form calls a service (which checks the rules); nothing is changed or deleted."""

    form = _ServiceForm
    service_fields: tuple = ()

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return self.service_fields if obj is None else [f.name for f in self.model._meta.fields]

    def save_form(self, request, form, change):
        return form.instance

    def save_related(self, request, form, formsets, change):
        pass

    def call_service(self, request, data):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        try:
            saved = self.call_service(request, form.cleaned_data)
        except ContractError as error:
            raise PermissionDenied(str(error)) from error
        obj.pk = saved.pk

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except PermissionDenied as error:
            if not str(error):
                raise
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(CreationHoursLog)
class CreationHoursLogAdmin(_ServiceAddAdmin):
    list_display = ("contract", "work_date", "hours", "description", "logged_by_name")
    service_fields = ("contract", "work_date", "hours", "description")

    def call_service(self, request, data):
        return hours_log(
            contract=data["contract"],
            actor=request.user,
            work_date=data["work_date"],
            hours=data["hours"],
            description=data["description"],
        )


@admin.register(Payment)
class PaymentAdmin(_ServiceAddAdmin):
    list_display = ("contract", "paid_on", "method", "reference", "amount", "is_correction", "recorded_by_name")
    list_filter = ("method", "is_correction")
    service_fields = ("contract", "paid_on", "method", "reference", "amount", "correction_reason")

    def call_service(self, request, data):
        return payment_record(
            contract=data["contract"],
            actor=request.user,
            paid_on=data["paid_on"],
            method=data["method"],
            reference=data["reference"],
            amount=data["amount"],
            correction_reason=data.get("correction_reason", ""),
        )


@admin.register(Cancellation)
class CancellationAdmin(_ServiceAddAdmin):
    list_display = ("contract", "ground", "cancelled_on", "decided_by_name")
    service_fields = ("contract", "ground", "reason", "cancelled_on")

    def call_service(self, request, data):
        return contract_cancel(
            contract=data["contract"],
            actor=request.user,
            ground=data["ground"],
            reason=data["reason"],
            cancelled_on=data["cancelled_on"],
        )


@admin.register(ContractReport)
class ContractReportAdmin(_RecordedChangeView, _ScopedToContracts, admin.ModelAdmin):
    list_display = ("contract", "kind", "occurred_on", "submitted_at", "submitted_by_name")
    list_filter = ("kind",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ContractReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
