"""Staff side of incidents (事案, seed 004 第25条–第28条) and outsourcing (委託, 第26条).

Every write goes through compliance.services (add forms, the inline rows for steps, clause checks,
re-contracting approvals and inspections, the status actions); a refused rule is shown as a message and
nothing of the submitted page is saved. Querysets are limited by the selectors (organization).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from portal.accounts.roles import organizations_managed_by
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.compliance import services
from portal.compliance.enums import IncidentStatus, OutsourcingStatus
from portal.compliance.models import (
    Incident,
    IncidentEscalation,
    IncidentStep,
    IncidentTransition,
    Outsourcing,
    OutsourcingClause,
    OutsourcingInspection,
    OutsourcingTransition,
    Subcontracting,
)
from portal.compliance.selectors import (
    incidents_for_user,
    inspected_in,
    outsourcings_for_user,
    outsourcings_without_inspection,
)
from portal.jdates import fiscal_year, fiscal_year_label


class _ServiceAdmin(SimpleHistoryAdmin):
    """History is for reading (no revert: that would skip the services); a ComplianceError raised by a
    service while saving rolls the whole page back and comes back as a message."""

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _visible(self, request, object_id) -> bool:
        try:
            return self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            return False

    def history_view(self, request, object_id, extra_context=None):
        # simple_history falls back to the historical rows of an object outside the queryset: not here.
        if not self._visible(request, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self._visible(request, object_id):
            raise Http404
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ComplianceError as error:
            # The admin's own transaction.atomic has rolled back everything this page saved.
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _run_each(self, request, queryset, action, done: str) -> None:
        for obj in queryset:
            try:
                action(obj)
            except services.ComplianceError as error:
                self.message_user(request, f"{obj}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{obj}: {done}", messages.SUCCESS)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _AddOnlyInline(admin.StackedInline):
    """Existing rows are read-only; a new row is saved through a service (see save_formset)."""

    extra = 0
    can_delete = False
    show_change_link = False
    add_permission = ""
    open_statuses: tuple = ()

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.status in self.open_statuses and request.user.has_perm(self.add_permission)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _new_rows(formset):
    """The filled-in new rows of an inline formset: the cleaned data of each, the form's own fields only."""
    fields = formset.form._meta.fields
    return [
        {name: form.cleaned_data.get(name) for name in fields}
        for form in formset.forms
        if form.instance.pk is None and form.has_changed() and form.cleaned_data
    ]


def _saved(formset, new=(), changed=()) -> None:
    """What the admin's change message reads from a formset the services saved."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = list(new), list(changed), []


# --- Incidents (事案) ---


class IncidentStepForm(forms.ModelForm):
    class Meta:
        model = IncidentStep
        fields = ("kind", "taken_at", "text", "reference")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An empty text gets the service's own message (e.g. the reason not to publish is required).
        self.fields["text"].required = False

    def clean(self):
        data = super().clean()
        if self.has_changed() and not self.errors:
            try:
                services.incident_step_check(
                    kind=data.get("kind"),
                    text=data.get("text", ""),
                    taken_at=data.get("taken_at"),
                    reference=data.get("reference", ""),
                )
            except services.ComplianceError as error:
                raise ValidationError(str(error)) from error
        return data


class IncidentStepInline(_AddOnlyInline):
    model = IncidentStep
    form = IncidentStepForm
    fields = ("kind", "taken_at", "text", "reference", "recorded_by_name", "recorded_at")
    add_permission = "compliance.add_incidentstep"
    open_statuses = (IncidentStatus.REPORTED, IncidentStatus.RESPONDING, IncidentStatus.INVESTIGATING)
    verbose_name_plural = "事案への対応の記録（被害の拡大防止・調査・原因・再発防止策・公表・報告）"

    def get_readonly_fields(self, request, obj=None):
        return ("recorded_by_name", "recorded_at")


class EscalationInline(_ReadOnlyInline):
    model = IncidentEscalation
    fields = ("escalated_at", "recipient_name", "recipient_role", "notification")
    readonly_fields = fields
    verbose_name_plural = "報告先（保護管理者・総括管理者への報告、電子メール）"


class IncidentTransitionInline(_ReadOnlyInline):
    model = IncidentTransition
    fields = ("occurred_at", "from_status", "to_status", "actor_name", "reason")
    readonly_fields = fields


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ("title", "summary", "occurred_on", "detected_at", "organization", "is_serious")

    def clean_detected_at(self):
        value = self.cleaned_data["detected_at"]
        if value and value > timezone.now():
            raise ValidationError("未来の日時は指定できません。")
        return value

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value and value > timezone.localdate():
            raise ValidationError("未来の日付は指定できません。")
        return value


@admin.register(Incident)
class IncidentAdmin(_ServiceAdmin):
    form = IncidentForm
    list_display = ("number", "title", "organization", "source", "status", "is_serious", "detected_at")
    list_filter = ("status", "source", "is_serious", "organization")
    search_fields = ("number", "title")
    list_select_related = ("organization",)
    list_per_page = 50
    actions = ["action_responding", "action_investigating", "action_close"]
    readonly_fields = (
        "number",
        "status",
        "source",
        "contract",
        "contract_report",
        "reported_by_name",
        "reported_at",
        "closed_at",
    )

    def get_queryset(self, request):
        return incidents_for_user(request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return IncidentForm.Meta.fields
        return (*self.readonly_fields[:3], *IncidentForm.Meta.fields, *self.readonly_fields[3:])

    def get_inlines(self, request, obj):
        return [] if obj is None else [EscalationInline, IncidentStepInline, IncidentTransitionInline]

    def get_readonly_fields(self, request, obj=None):
        # Anyone reports for any organization; once reported, only an overseer moves it to another one
        # (a protection manager could otherwise hand it out of, or into, their own sight).
        if obj is not None and not request.user.has_perm("compliance.oversee_incident"):
            return (*self.readonly_fields, "organization")
        return self.readonly_fields

    def has_add_permission(self, request):
        return request.user.is_staff and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == IncidentStatus.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Every look at an incident by staff is an access record (seed 004 第12条)."""
        if request.method == "GET":
            incident = self.get_object(request, object_id)
            if incident is not None:
                access_record(
                    actor=request.user,
                    action=AccessAction.VIEW,
                    result=AccessResult.SUCCESS,
                    obj=incident,
                    request=request,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        access_record(
            actor=request.user,
            action=AccessAction.VIEW,
            result=AccessResult.SUCCESS,
            obj=self.get_object(request, object_id),
            request=request,
            detail={"view": "history"},
        )
        return response

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        saved = services.incident_report(
            actor=request.user,
            title=data["title"],
            summary=data["summary"],
            detected_at=data["detected_at"],
            occurred_on=data.get("occurred_on"),
            organization=data.get("organization"),
            is_serious=data.get("is_serious", False),
        )
        form.instance = saved
        obj.pk, obj.number, obj._state.adding = saved.pk, saved.number, False

    def save_formset(self, request, form, formset, change):
        if formset.model is IncidentStep:
            steps = [
                services.incident_step_record(
                    incident=form.instance,
                    actor=request.user,
                    kind=row["kind"],
                    text=row["text"] or "",
                    taken_at=row["taken_at"],
                    reference=row.get("reference") or "",
                )
                for row in _new_rows(formset)
            ]
            _saved(formset, new=steps)
            return
        super().save_formset(request, form, formset, change)

    def _move(self, request, queryset, to, done):
        def move(incident):
            return services.incident_move(incident=incident, to=to, actor=request.user)

        self._run_each(request, queryset, move, done)

    @admin.action(description="被害の拡大防止・復旧等の措置中にする（第27条第2項）", permissions=["change"])
    def action_responding(self, request, queryset):
        self._move(request, queryset, IncidentStatus.RESPONDING, "措置中にしました。")

    @admin.action(description="調査中にする（第27条第3項）", permissions=["change"])
    def action_investigating(self, request, queryset):
        self._move(request, queryset, IncidentStatus.INVESTIGATING, "調査中にしました。")

    @admin.action(description="終結する（原因・再発防止策・公表の判断の記録後）", permissions=["change"])
    def action_close(self, request, queryset):
        self._move(request, queryset, IncidentStatus.CLOSED, "終結しました。")


# --- Outsourcing (委託, 第26条) ---


class ClauseForm(forms.ModelForm):
    class Meta:
        model = OutsourcingClause
        fields = ("checked", "location")


class ClauseInline(admin.TabularInline):
    model = OutsourcingClause
    form = ClauseForm
    extra = 0
    can_delete = False
    fields = ("item_number", "clause_text", "checked", "location", "checked_by_name", "checked_at")
    readonly_fields = ("item_number", "clause_text", "checked_by_name", "checked_at")
    verbose_name_plural = "契約書に明記すべき事項（第26条第1項各号）の確認"

    @admin.display(description="号")
    def item_number(self, obj):
        return obj.item_number

    @admin.display(description="明記すべき事項")
    def clause_text(self, obj):
        return obj.get_clause_display()

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.status != OutsourcingStatus.ENDED
            and request.user.has_perm("compliance.change_outsourcingclause")
        )


class SubcontractingForm(forms.ModelForm):
    class Meta:
        model = Subcontracting
        fields = ("subcontractor", "corporate_number", "is_subsidiary", "scope", "approved_on")


class SubcontractingInline(_AddOnlyInline):
    model = Subcontracting
    form = SubcontractingForm
    fields = (*SubcontractingForm.Meta.fields, "approved_by_name", "recorded_at")
    readonly_fields = ("approved_by_name", "recorded_at")
    add_permission = "compliance.add_subcontracting"
    open_statuses = (OutsourcingStatus.PREPARING, OutsourcingStatus.ACTIVE)
    verbose_name_plural = "再委託の承認（第26条第1項第2号・第5項）"


class InspectionForm(forms.ModelForm):
    class Meta:
        model = OutsourcingInspection
        fields = ("inspected_on", "method", "inspector", "result", "findings")


class InspectionInline(_AddOnlyInline):
    model = OutsourcingInspection
    form = InspectionForm
    fields = (*InspectionForm.Meta.fields, "recorded_by_name", "recorded_at")
    readonly_fields = ("recorded_by_name", "recorded_at")
    add_permission = "compliance.add_outsourcinginspection"
    open_statuses = tuple(OutsourcingStatus)
    verbose_name_plural = "委託先の検査（第26条第4項：年1回以上）"


class OutsourcingTransitionInline(_ReadOnlyInline):
    model = OutsourcingTransition
    fields = ("occurred_at", "from_status", "to_status", "actor_name", "reason")
    readonly_fields = fields


class InspectionThisYearFilter(admin.SimpleListFilter):
    title = "今年度の検査（第26条第4項）"
    parameter_name = "inspection"

    def lookups(self, request, model_admin):
        return [("missing", "未実施（有効な委託）"), ("done", "実施済み")]

    def queryset(self, request, queryset):
        year = fiscal_year(timezone.localdate())
        if self.value() == "missing":
            return queryset.filter(pk__in=outsourcings_without_inspection(year).values("pk"))
        if self.value() == "done":
            return queryset.filter(inspected_in(year))
        return queryset


@admin.register(Outsourcing)
class OutsourcingAdmin(_ServiceAdmin):
    list_display = (
        "name",
        "corporate_number",
        "organization",
        "status",
        "period_start",
        "period_end",
        "clauses_column",
        "inspected_column",
    )
    list_filter = ("status", InspectionThisYearFilter, "organization")
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
        year = fiscal_year(timezone.localdate())
        return outsourcings_for_user(request.user).annotate(
            inspected_this_year=inspected_in(year),
            clauses_checked=Count("clauses", filter=Q(clauses__checked=True)),
        )

    @admin.display(description="明記事項の確認", ordering="clauses_checked")
    def clauses_column(self, obj):
        return f"{obj.clauses_checked}/8"

    @admin.display(description="今年度の検査", boolean=True, ordering="inspected_this_year")
    def inspected_column(self, obj):
        return obj.inspected_this_year

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
        """seed 004 第26条第4項: warn of active outsourcings not inspected in the current fiscal year."""
        year = fiscal_year(timezone.localdate())
        missing = outsourcings_without_inspection(year, user=request.user).count()
        if missing and request.method == "GET":
            self.message_user(
                request,
                f"有効な業務の委託のうち{missing}件は、{fiscal_year_label(year)}の委託先の検査"
                "（第26条第4項：年1回以上）が記録されていません。",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        services.outsourcing_save(outsourcing=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        outsourcing = form.instance
        if formset.model is OutsourcingClause:
            changed = [
                (
                    services.clause_set(
                        clause=clause_form.instance,
                        actor=request.user,
                        checked=clause_form.cleaned_data["checked"],
                        location=clause_form.cleaned_data.get("location") or "",
                    ),
                    clause_form.changed_data,
                )
                for clause_form in formset.forms
                if clause_form.instance.pk and clause_form.has_changed()
            ]
            _saved(formset, changed=changed)
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
                for row in _new_rows(formset)
            ]
            _saved(formset, new=approvals)
        elif formset.model is OutsourcingInspection:
            inspections = [
                services.inspection_record(outsourcing=outsourcing, actor=request.user, **row)
                for row in _new_rows(formset)
            ]
            _saved(formset, new=inspections)
        else:
            super().save_formset(request, form, formset, change)

    @admin.action(description="有効にする（契約の締結：第26条第1項の事項をすべて確認済み）", permissions=["change"])
    def action_activate(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda o: services.outsourcing_move(outsourcing=o, to=OutsourcingStatus.ACTIVE, actor=request.user),
            "有効にしました。",
        )

    @admin.action(description="終了にする（委託の終了）", permissions=["change"])
    def action_end(self, request, queryset):
        self._run_each(
            request,
            queryset,
            lambda o: services.outsourcing_move(outsourcing=o, to=OutsourcingStatus.ENDED, actor=request.user),
            "終了にしました。",
        )
