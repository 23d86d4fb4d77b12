"""Staff side of calls, consultations and proposals in the admin console."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.workflow import actor_name
from proposals.forms import run_for_form
from proposals.forms.consultations import ReplyForm
from proposals.models import (
    Consultation,
    ConsultationMessage,
    DisqualificationRecord,
    Proposal,
    ProposalCall,
    ProposalTransition,
    ProposalVersion,
    Proposer,
    ProposerOfficer,
)
from proposals.services.calls import CallError, call_publish_guidelines, guideline_defaults
from proposals.services.consultations import consultation_close, consultation_reply
from proposals.services.proposals import proposal_request_correction


class CallAdminForm(forms.ModelForm):
    class Meta:
        model = ProposalCall
        fields = [
            "fiscal_year",
            "title",
            "entries",
            "opens_at",
            "closes_at",
            "purpose",
            "eligibility",
            "documents",
            "submission",
            "screening",
            "contract_flow",
            "fees",
            "contact",
            "notes",
        ]

    def clean_entries(self):
        entries = self.cleaned_data["entries"]
        closed = [entry.name for entry in entries if not entry.open_for_proposals]
        if closed:
            raise forms.ValidationError(f"提案募集の対象でない個人情報ファイルは選べません: {'、'.join(closed)}")
        published = self.instance.pk and self.instance.guidelines_published_at
        if published and set(entries) != set(self.instance.entries.all()):
            raise forms.ValidationError("募集要綱の公示後は、対象となる個人情報ファイルを変更できません。")
        return entries


@admin.register(ProposalCall)
class ProposalCallAdmin(SimpleHistoryAdmin):
    form = CallAdminForm
    list_display = ("title", "fiscal_year", "opens_at", "closes_at", "guidelines_published_at", "phase_label")
    list_filter = ("fiscal_year",)
    filter_horizontal = ("entries",)
    readonly_fields = ("guidelines_published_at",)
    actions = ["publish_guidelines"]

    @admin.display(description="状況")
    def phase_label(self, call):
        return call.phase().label

    def get_changeform_initial_data(self, request):
        from portal.jdates import fiscal_year

        return {
            **guideline_defaults(),
            "fiscal_year": fiscal_year(timezone.localdate()),
            **super().get_changeform_initial_data(request),
        }

    @admin.action(description="選択した募集の募集要綱を公示する", permissions=["publish"])
    def publish_guidelines(self, request, queryset):
        for call in queryset:
            try:
                call_publish_guidelines(call=call, actor=request.user)
            except CallError as error:
                self.message_user(request, f"{call.title}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{call.title}: 募集要綱を公示しました。", messages.SUCCESS)

    def has_publish_permission(self, request):
        return request.user.has_perm("proposals.publish_proposalcall")


class ConsultationMessageInline(admin.TabularInline):
    model = ConsultationMessage
    fields = ("created_at", "author_name", "from_agency", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("subject", "proposer", "call", "entry", "status", "last_message_at")
    list_filter = ("status",)
    search_fields = ("subject", "proposer__name")
    list_select_related = ("proposer", "call", "entry")
    readonly_fields = ("proposer", "subject", "call", "entry", "status", "created_at", "last_message_at")
    inlines = [ConsultationMessageInline]
    change_form_template = "admin/proposals/consultation/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<int:pk>/reply/", self.admin_site.admin_view(self.reply_view), name="proposals_consultation_reply"),
            *super().get_urls(),
        ]

    def reply_view(self, request, pk):
        if not request.user.has_perm("proposals.answer_consultation"):
            raise PermissionDenied
        consultation = get_object_or_404(Consultation, pk=pk)
        form = ReplyForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and request.POST.get("close") == "1":
            consultation_close(consultation=consultation, actor=request.user)
            self.message_user(request, "事前相談を終了しました。", messages.SUCCESS)
            return redirect(reverse("admin:proposals_consultation_change", args=[pk]))
        replied = (
            request.method == "POST"
            and form.is_valid()
            and run_for_form(
                form,
                lambda: consultation_reply(
                    consultation=consultation,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data.get("files") or [],
                    from_agency=True,
                ),
            )
        )
        if replied:
            self.message_user(request, "回答を送信しました（相談者にメールで通知します）。", messages.SUCCESS)
            return redirect(reverse("admin:proposals_consultation_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"事前相談への回答: {consultation.subject}",
            "consultation": consultation,
            "form": form,
        }
        return TemplateResponse(request, "admin/proposals/consultation/reply.html", context)


class CorrectionForm(forms.Form):
    message = forms.CharField(label="補正を求める事項", widget=forms.Textarea(attrs={"rows": 6}))
    due_date = forms.DateField(label="補正の期限", widget=forms.DateInput(attrs={"type": "date"}))


class VersionInline(admin.TabularInline):
    model = ProposalVersion
    fields = ("number", "kind", "submitted_at", "submitted_by_name")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = ProposalTransition
    fields = ("occurred_at", "from_status", "to_status", "actor_name", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("receipt_number", "proposer", "entry", "kind", "status", "submitted_at")
    list_filter = ("status", "kind")
    search_fields = ("receipt_number", "proposer__name", "entry__name")
    list_select_related = ("proposer", "entry")
    readonly_fields = [field.name for field in Proposal._meta.fields] + ["consultations"]
    inlines = [VersionInline, TransitionInline]
    change_form_template = "admin/proposals/proposal/change_form.html"

    def get_queryset(self, request):
        # Drafts are the proposer's own work in progress, not yet an application to the agency.
        return super().get_queryset(request).exclude(status="draft")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Every look at a proposal by staff is recorded (seed 004 第12条)."""
        proposal = self.get_object(request, object_id)
        if proposal is not None:
            access_record(
                actor=request.user, action=AccessAction.VIEW, result=AccessResult.SUCCESS, obj=proposal, request=request
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/correction/",
                self.admin_site.admin_view(self.correction_view),
                name="proposals_proposal_correction",
            ),
            *super().get_urls(),
        ]

    def correction_view(self, request, pk):
        if not request.user.has_perm("proposals.add_correctionrequest"):
            raise PermissionDenied
        proposal = get_object_or_404(self.get_queryset(request), pk=pk)
        form = CorrectionForm(request.POST or None)
        requested = (
            request.method == "POST"
            and form.is_valid()
            and run_for_form(
                form, lambda: proposal_request_correction(proposal=proposal, actor=request.user, **form.cleaned_data)
            )
        )
        if requested:
            self.message_user(request, "補正を求めました（提案者にメールで通知します）。", messages.SUCCESS)
            return redirect(reverse("admin:proposals_proposal_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"補正の求め: {proposal}",
            "proposal": proposal,
            "form": form,
        }
        return TemplateResponse(request, "admin/proposals/proposal/correction.html", context)


class OfficerInline(admin.TabularInline):
    model = ProposerOfficer
    extra = 0


@admin.register(Proposer)
class ProposerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "corporate_number", "address")
    list_filter = ("kind",)
    search_fields = ("name", "name_kana", "corporate_number")
    inlines = [OfficerInline]
    readonly_fields = ("user",)


@admin.register(DisqualificationRecord)
class DisqualificationRecordAdmin(SimpleHistoryAdmin):
    list_display = ("name", "ground", "corporate_number", "event_date", "ends_on")
    list_filter = ("ground",)
    search_fields = ("name", "corporate_number")
    exclude = ("recorded_by", "recorded_by_name")

    @admin.display(description="欠格の終了日（この日から提案可）")
    def ends_on(self, record):
        return record.ends_on

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
            obj.recorded_by_name = actor_name(request.user)
        super().save_model(request, obj, form, change)


from proposals import admin_screening  # noqa: F401,E402
