"""Staff side of incidents (事案, seed 004 第25条–第28条): the report, the steps, the edits and the status
actions, every write through compliance.services; the queryset is compliance.selectors.incidents_for_user."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.compliance import services
from portal.compliance.admin.base import AddOnlyInline, ReadOnlyInline, ServiceAdmin, new_rows, saved
from portal.compliance.enums import IncidentStatus
from portal.compliance.models import Incident, IncidentEscalation, IncidentStep, IncidentTransition
from portal.compliance.selectors import incidents_for_user


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


class IncidentStepInline(AddOnlyInline):
    model = IncidentStep
    form = IncidentStepForm
    fields = ("kind", "taken_at", "text", "reference", "recorded_by_name", "recorded_at")
    add_permission = "compliance.add_incidentstep"
    open_statuses = (IncidentStatus.REPORTED, IncidentStatus.RESPONDING, IncidentStatus.INVESTIGATING)
    verbose_name_plural = "事案への対応の記録（被害の拡大防止・調査・原因・再発防止策・公表・報告）"

    def get_readonly_fields(self, request, obj=None):
        return ("recorded_by_name", "recorded_at")


class EscalationInline(ReadOnlyInline):
    model = IncidentEscalation
    fields = ("escalated_at", "recipient_name", "recipient_role", "notification")
    readonly_fields = fields
    verbose_name_plural = "報告先（保護管理者・総括管理者への報告、電子メール）"


class IncidentTransitionInline(ReadOnlyInline):
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
class IncidentAdmin(ServiceAdmin):
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
        data = form.cleaned_data
        if change:
            # An edit is an access record 変更 too (services.incident_update).
            fields = {name: data[name] for name in form.changed_data if name in services.INCIDENT_EDITABLE}
            if fields:
                services.incident_update(incident=obj, actor=request.user, **fields)
            return
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
                for row in new_rows(formset)
            ]
            saved(formset, new=steps)
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

    @admin.action(description="終結する（終結に必要な記録の確認後）", permissions=["change"])
    def action_close(self, request, queryset):
        self._move(request, queryset, IncidentStatus.CLOSED, "終結しました。")
