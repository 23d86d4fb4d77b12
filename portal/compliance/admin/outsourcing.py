"""Staff side of outsourcing and worker dispatch (委託・派遣, seed 004 第26条): the record with its contract
items, re-contracting approvals (each with its own page: the subcontract's items, its inspections, its
status) and the yearly inspections. Every write goes through compliance.services."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone

from portal.accounts.roles import organizations_managed_by
from portal.compliance import services
from portal.compliance.admin.base import (
    AddOnlyInline,
    ClauseInlineBase,
    ReadOnlyInline,
    ServiceAdmin,
    ServiceAdminMixin,
    clauses_save,
    new_rows,
    saved,
)
from portal.compliance.enums import InspectionMethod, OutsourcingKind, OutsourcingStatus, SubcontractingStatus
from portal.compliance.models import (
    Outsourcing,
    OutsourcingClause,
    OutsourcingInspection,
    OutsourcingTransition,
    Subcontracting,
    SubcontractingClause,
    SubcontractingTransition,
)
from portal.compliance.selectors import (
    inspected_in,
    outsourcings_for_user,
    outsourcings_without_inspection,
    subcontracting_inspected_in,
    subcontractings_for_user,
)
from portal.jdates import fiscal_year, fiscal_year_label


def _this_year() -> int:
    return fiscal_year(timezone.localdate())


class ClauseForm(forms.ModelForm):
    class Meta:
        model = OutsourcingClause
        fields = ("checked", "location")


class ClauseInline(ClauseInlineBase):
    model = OutsourcingClause
    form = ClauseForm
    change_permission = "compliance.change_outsourcingclause"
    verbose_name_plural = "契約書に明記すべき事項（第26条第1項各号・第6項）の確認"


class SubcontractingForm(forms.ModelForm):
    class Meta:
        model = Subcontracting
        fields = ("subcontractor", "corporate_number", "is_subsidiary", "scope", "approved_on")


class SubcontractingInline(AddOnlyInline):
    model = Subcontracting
    form = SubcontractingForm
    fields = ("status", *SubcontractingForm.Meta.fields, "approved_by_name", "recorded_at")
    readonly_fields = ("status", "approved_by_name", "recorded_at")
    add_permission = "compliance.add_subcontracting"
    open_statuses = (OutsourcingStatus.PREPARING, OutsourcingStatus.ACTIVE)
    # Each approval has its own page: the subcontract's items, its inspections, its status (第26条第5項).
    show_change_link = True
    verbose_name_plural = (
        "再委託（第26条第1項第2号・第5項）：承認の後、各再委託の画面で契約書の事項を確認して有効にします"
    )

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.kind == OutsourcingKind.OUTSOURCING and super().has_add_permission(request, obj)


class InspectionForm(forms.ModelForm):
    class Meta:
        model = OutsourcingInspection
        fields = ("inspected_on", "method", "inspector", "result", "findings")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # 「委託先を通じた確認」 is how a subcontractor may be inspected (第26条第5項), not the contractor.
        self.fields["method"].choices = [
            choice for choice in self.fields["method"].choices if choice[0] != InspectionMethod.THROUGH_CONTRACTOR
        ]


class InspectionInline(AddOnlyInline):
    """Inspections of the contractor itself (those of a subcontractor are on the subcontracting's page)."""

    model = OutsourcingInspection
    fk_name = "outsourcing"
    form = InspectionForm
    fields = (*InspectionForm.Meta.fields, "recorded_by_name", "recorded_at")
    readonly_fields = ("recorded_by_name", "recorded_at")
    add_permission = "compliance.add_outsourcinginspection"
    open_statuses = tuple(OutsourcingStatus)
    verbose_name_plural = "委託先の検査（第26条第4項：年1回以上）"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(subcontracting__isnull=True)


class OutsourcingTransitionInline(ReadOnlyInline):
    model = OutsourcingTransition
    fields = ("occurred_at", "from_status", "to_status", "actor_name", "reason")
    readonly_fields = fields


class InspectionThisYearFilter(admin.SimpleListFilter):
    title = "今年度の検査（第26条第4項・第5項）"
    parameter_name = "inspection"

    def lookups(self, request, model_admin):
        return [("missing", "未実施（有効な委託・再委託先を含む）"), ("done", "委託先の検査を実施済み")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(pk__in=outsourcings_without_inspection(_this_year()).values("pk"))
        if self.value() == "done":
            return queryset.filter(inspected_in(_this_year()))
        return queryset


@admin.register(Outsourcing)
class OutsourcingAdmin(ServiceAdmin):
    list_display = (
        "name",
        "kind",
        "corporate_number",
        "organization",
        "status",
        "period_start",
        "period_end",
        "clauses_column",
        "inspected_column",
    )
    list_filter = ("status", "kind", InspectionThisYearFilter, "organization")
    search_fields = ("name", "corporate_number")
    list_select_related = ("organization",)
    list_per_page = 50
    actions = ["action_activate", "action_end"]
    readonly_fields = ("status", "created_at", "updated_at")
    fieldsets = (
        (
            "委託先と委託する業務",
            {
                "fields": (
                    "kind",
                    "status",
                    "name",
                    "corporate_number",
                    "responsible_person",
                    "organization",
                    "work",
                    "data_scope",
                    ("period_start", "period_end"),
                    "reported_to_managers_on",
                    "notes",
                )
            },
        ),
        ("管理情報", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return outsourcings_for_user(request.user).annotate(
            inspected_this_year=inspected_in(_this_year()),
            clauses_total=Count("clauses"),
            clauses_checked=Count("clauses", filter=Q(clauses__checked=True)),
        )

    def get_readonly_fields(self, request, obj=None):
        # The kind decides which items the contract must state: fixed once recorded.
        return self.readonly_fields if obj is None else (*self.readonly_fields, "kind")

    @admin.display(description="明記事項の確認", ordering="clauses_checked")
    def clauses_column(self, obj):
        return f"{obj.clauses_checked}/{obj.clauses_total}"

    @admin.display(description="今年度の検査", boolean=True, ordering="inspected_this_year")
    def inspected_column(self, obj):
        return obj.inspected_this_year if obj.kind == OutsourcingKind.OUTSOURCING else None

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return [ClauseInline, SubcontractingInline, InspectionInline, OutsourcingTransitionInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == OutsourcingStatus.ENDED:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.has_perm("compliance.oversee_outsourcing"):
            kwargs["queryset"] = organizations_managed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        """seed 004 第26条第4項・第5項: warn of outsourcings in force whose contractor, or a subcontractor,
        was not inspected in the current fiscal year."""
        year = _this_year()
        missing = outsourcings_without_inspection(year, user=request.user).count()
        if missing and request.method == "GET":
            self.message_user(
                request,
                f"有効な業務の委託のうち{missing}件は、{fiscal_year_label(year)}の委託先（再委託先を含む）の検査"
                "（第26条第4項・第5項：年1回以上）が記録されていません。",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        services.outsourcing_save(outsourcing=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        outsourcing = form.instance
        if formset.model is OutsourcingClause:
            clauses_save(request, formset)
        elif formset.model is Subcontracting:
            approvals = [
                services.subcontracting_approve(
                    outsourcing=outsourcing,
                    actor=request.user,
                    subcontractor=row["subcontractor"] or "",
                    scope=row["scope"] or "",
                    approved_on=row["approved_on"],
                    corporate_number=row["corporate_number"] or "",
                    is_subsidiary=bool(row["is_subsidiary"]),
                )
                for row in new_rows(formset)
            ]
            saved(formset, new=approvals)
        elif formset.model is OutsourcingInspection:
            inspections = [
                services.outsourcing_inspection_record(outsourcing=outsourcing, actor=request.user, **row)
                for row in new_rows(formset)
            ]
            saved(formset, new=inspections)
        else:
            super().save_formset(request, form, formset, change)

    @admin.action(description="有効にする（契約の締結：明記すべき事項・事前の報告の確認済み）", permissions=["change"])
    def action_activate(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda o: services.outsourcing_move(outsourcing=o, to=OutsourcingStatus.ACTIVE, actor=request.user),
            "有効にしました。",
        )

    @admin.action(description="終了にする（委託の終了：再委託も終了します）", permissions=["change"])
    def action_end(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda o: services.outsourcing_move(outsourcing=o, to=OutsourcingStatus.ENDED, actor=request.user),
            "終了にしました。",
        )


# --- Re-contracting (再委託, 第26条第5項) ---


class SubcontractingClauseForm(forms.ModelForm):
    class Meta:
        model = SubcontractingClause
        fields = ("checked", "location")


class SubcontractingClauseInline(ClauseInlineBase):
    model = SubcontractingClause
    form = SubcontractingClauseForm
    change_permission = "compliance.change_subcontractingclause"
    verbose_name_plural = "再委託の契約書に明記すべき事項（第26条第1項各号・第5項）の確認"


class SubcontractorInspectionForm(forms.ModelForm):
    class Meta:
        model = OutsourcingInspection
        fields = ("inspected_on", "method", "inspector", "result", "findings")


class SubcontractorInspectionInline(AddOnlyInline):
    model = OutsourcingInspection
    fk_name = "subcontracting"
    form = SubcontractorInspectionForm
    fields = (*SubcontractorInspectionForm.Meta.fields, "recorded_by_name", "recorded_at")
    readonly_fields = ("recorded_by_name", "recorded_at")
    add_permission = "compliance.add_outsourcinginspection"
    open_statuses = (SubcontractingStatus.APPROVED, SubcontractingStatus.ACTIVE)
    verbose_name_plural = "再委託先の検査（第26条第5項：委託先を通じて又は委託元自らが第4項の措置を実施、年1回以上）"


class SubcontractingTransitionInline(ReadOnlyInline):
    model = SubcontractingTransition
    fields = ("occurred_at", "from_status", "to_status", "actor_name", "reason")
    readonly_fields = fields


@admin.register(Subcontracting)
class SubcontractingAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """A re-contracting's own page; approvals are added on the outsourcing's page."""

    list_display = (
        "subcontractor",
        "outsourcing",
        "status",
        "is_subsidiary",
        "approved_on",
        "clauses_column",
        "inspected_column",
    )
    list_filter = ("status", "is_subsidiary")
    search_fields = ("subcontractor", "corporate_number", "outsourcing__name")
    list_select_related = ("outsourcing",)
    list_per_page = 50
    actions = ["action_activate", "action_end"]
    fields = (
        "outsourcing",
        "status",
        "subcontractor",
        "corporate_number",
        "is_subsidiary",
        "scope",
        "approved_on",
        "approved_by_name",
        "recorded_at",
    )
    readonly_fields = fields
    inlines = [SubcontractingClauseInline, SubcontractorInspectionInline, SubcontractingTransitionInline]

    def get_queryset(self, request):
        return subcontractings_for_user(request.user).annotate(
            inspected_this_year=subcontracting_inspected_in(_this_year()),
            clauses_total=Count("clauses"),
            clauses_checked=Count("clauses", filter=Q(clauses__checked=True)),
        )

    @admin.display(description="明記事項の確認", ordering="clauses_checked")
    def clauses_column(self, obj):
        return f"{obj.clauses_checked}/{obj.clauses_total}"

    @admin.display(description="今年度の検査", boolean=True, ordering="inspected_this_year")
    def inspected_column(self, obj):
        return obj.inspected_this_year

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == SubcontractingStatus.ENDED:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Every field of the approval is read-only here; the inlines are saved through the services."""

    def save_formset(self, request, form, formset, change):
        subcontracting = form.instance
        if formset.model is SubcontractingClause:
            clauses_save(request, formset)
        elif formset.model is OutsourcingInspection:
            inspections = [
                services.outsourcing_inspection_record(
                    outsourcing=subcontracting.outsourcing, subcontracting=subcontracting, actor=request.user, **row
                )
                for row in new_rows(formset)
            ]
            saved(formset, new=inspections)
        else:
            super().save_formset(request, form, formset, change)

    @admin.action(description="有効にする（再委託の契約書の事項をすべて確認済み）", permissions=["change"])
    def action_activate(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda s: services.subcontracting_move(
                subcontracting=s, to=SubcontractingStatus.ACTIVE, actor=request.user
            ),
            "有効にしました。",
        )

    @admin.action(description="終了にする（再委託の終了・取りやめ）", permissions=["change"])
    def action_end(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda s: services.subcontracting_move(subcontracting=s, to=SubcontractingStatus.ENDED, actor=request.user),
            "終了にしました。",
        )
