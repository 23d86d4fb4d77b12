"""Admin console screens of screening (審査, 法114): assignment, conflict declaration, criteria with the
portal's suggestions, submission for approval, approval or return, the notices issued, and the settings.

Views stay thin: fetch through the selector (404 when the user may not see it), bind a form, call one
service, turn a ScreeningError into a message. Every staff view of a proposal is recorded (access_record).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from anonymizer.dry_runs import dry_run_check
from portal.accounts.models import User
from portal.accounts.roles import StaffRole, role_group
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.uploads import protected_download
from proposals import criteria as criteria_rules
from proposals.enums import Criterion, ProposalStatus
from proposals.models import Proposal, ResultNotice, ResultNoticeDocument, Screening, ScreeningPolicy
from proposals.selectors_screening import screening_for_user, screenings_for_user
from proposals.services import screening as services
from proposals.services.proposals import ProposalError

MET_CHOICES = [("1", "適合"), ("0", "不適合")]
SCREENING_UNDER_WAY = (ProposalStatus.SUBMITTED, ProposalStatus.UNDER_SCREENING, ProposalStatus.AWAITING_APPROVAL)


def _screeners():
    return User.objects.filter(is_active=True, groups=role_group(StaffRole.SCREENER)).order_by("username")


class AssignForm(forms.Form):
    proposal = forms.ModelChoiceField(
        label="提案",
        queryset=Proposal.objects.filter(
            status__in=[ProposalStatus.SUBMITTED, ProposalStatus.UNDER_SCREENING, ProposalStatus.CORRECTION_REQUESTED]
        ).select_related("proposer"),
    )
    screeners = forms.ModelMultipleChoiceField(label="審査担当者", queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["screeners"].queryset = _screeners()


class AddScreenersForm(forms.Form):
    screeners = forms.ModelMultipleChoiceField(label="追加する審査担当者", queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["screeners"].queryset = _screeners()


class ConflictForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label="利益相反の有無",
        choices=[("0", "利益相反はない"), ("1", "利益相反がある（審査を回避する）")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="利益相反の内容（ある場合）", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CriterionForm(forms.Form):
    criterion = forms.TypedChoiceField(choices=Criterion.choices, coerce=int, widget=forms.HiddenInput)
    met = forms.TypedChoiceField(label="判断", choices=MET_CHOICES, coerce=lambda value: value == "1")
    reason = forms.CharField(
        label="理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="候補どおりに判断する場合は空欄で候補の理由を用います。候補と異なる判断や④⑥⑦は理由が必須です。",
    )


class CommentForm(forms.Form):
    comment = forms.CharField(label="意見", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label="差戻しの理由", widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(forms.Form):
    comment = forms.CharField(label="決裁時の意見", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    estimated_hours = forms.DecimalField(
        label="作成に要する時間の見込み（時間）",
        required=False,
        min_value=0,
        decimal_places=2,
        help_text="適合の場合に手数料の見込額の算定に用います（1時間未満の端数は1時間）。",
    )
    contractor_amount = forms.IntegerField(label="作成の委託先に支払う額（円）", required=False, min_value=0)


class CorrectionForm(forms.Form):
    message = forms.CharField(label="補正を求める事項", widget=forms.Textarea(attrs={"rows": 4}))
    due_date = forms.DateField(label="補正の期限", widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    list_display = ("receipt_number", "proposer_name", "entry_name", "status_label", "started_at")
    list_display_links = ("receipt_number",)
    search_fields = ("proposal__receipt_number", "proposal__proposer__name")

    def get_queryset(self, request):
        return screenings_for_user(request.user)

    @admin.display(description="受付番号")
    def receipt_number(self, screening):
        return screening.proposal.receipt_number

    @admin.display(description="提案者")
    def proposer_name(self, screening):
        return screening.proposal.proposer.name

    @admin.display(description="個人情報ファイル")
    def entry_name(self, screening):
        return screening.proposal.entry.name

    @admin.display(description="状況")
    def status_label(self, screening):
        return screening.proposal.get_status_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra = {"can_assign": request.user.has_perm("proposals.assign_screening"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("assign/", view(self.assign_view), name="proposals_screening_assign"),
            path("<int:pk>/screen/", view(self.screen_view), name="proposals_screening_screen"),
            path(
                "<int:pk>/documents/<uuid:document_id>/",
                view(self.document_view),
                name="proposals_screening_document",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect(reverse("admin:proposals_screening_screen", args=[object_id]))

    def _screening(self, request, pk) -> Screening:
        try:
            return screening_for_user(request.user, pk)
        except Screening.DoesNotExist:
            raise Http404 from None

    def assign_view(self, request):
        if not request.user.has_perm("proposals.assign_screening"):
            raise PermissionDenied
        form = AssignForm(request.POST or None, initial={"proposal": request.GET.get("proposal")})
        if request.method == "POST" and form.is_valid():
            try:
                screening = services.screening_assign(
                    proposal=form.cleaned_data["proposal"],
                    screeners=list(form.cleaned_data["screeners"]),
                    actor=request.user,
                    request=request,
                )
            except ProposalError as error:
                for problem in error.problems:
                    form.add_error(None, problem)
            else:
                self.message_user(request, "審査担当者を割り当てました。", messages.SUCCESS)
                return redirect(reverse("admin:proposals_screening_screen", args=[screening.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "審査担当者の割当て"}
        return TemplateResponse(request, "admin/proposals/screening/assign.html", {**context, "form": form})

    def document_view(self, request, pk, document_id):
        screening = self._screening(request, pk)
        try:
            document = ResultNoticeDocument.objects.get(public_id=document_id, notice__screening=screening)
        except ResultNoticeDocument.DoesNotExist:
            raise Http404 from None
        return protected_download(request, document)

    # One page: what the user may do depends on their part in this screening.
    ACTIONS = {
        "declare": "_declare",
        "record": "_record",
        "resume": "_resume",
        "submit": "_submit",
        "approve": "_approve",
        "return": "_return",
        "correction": "_correction",
        "add_screeners": "_add_screeners",
        "dry_run": "_dry_run",
    }

    def screen_view(self, request, pk):
        screening = self._screening(request, pk)
        forms_by_name = {}
        if request.method == "POST":
            handler = self.ACTIONS.get(request.POST.get("action", ""))
            if handler is None:
                raise Http404
            result = getattr(self, handler)(request, screening)
            if result is not None:
                return result
            forms_by_name = getattr(request, "_screening_forms", {})
        else:
            access_record(
                actor=request.user,
                action=AccessAction.VIEW,
                result=AccessResult.SUCCESS,
                obj=screening.proposal,
                request=request,
            )
        return TemplateResponse(
            request, "admin/proposals/screening/screen.html", self._context(request, screening, forms_by_name)
        )

    def _context(self, request, screening: Screening, bound: dict) -> dict:
        proposal = screening.proposal
        user = request.user
        version = proposal.latest_version()
        suggestions = criteria_rules.suggestions(proposal, version=version) if version else {}
        records = {record.criterion: record for record in screening.criteria.select_related("version")}
        assignments = list(screening.assignments.all())
        mine = next((a for a in assignments if a.screener_id == user.pk), None)
        may_screen = mine is not None and mine.may_screen
        status = proposal.status
        rows = []
        for criterion in criteria_rules.applicable_criteria(proposal):
            record = records.get(criterion)
            suggestion = suggestions.get(criterion)
            initial = {"criterion": criterion.value}
            if record is not None:
                initial.update(met="1" if record.met else "0", reason=record.reason)
            elif suggestion is not None and suggestion.met is not None:
                initial["met"] = "1" if suggestion.met else "0"
            rows.append(
                {
                    "criterion": criterion,
                    "suggestion": suggestion,
                    "record": record,
                    "stale": record is not None and version is not None and record.version_id != version.pk,
                    "form": bound.get(f"record-{criterion.value}")
                    or CriterionForm(initial=initial, prefix=f"c{criterion.value}"),
                }
            )
        is_approver = (
            user.has_perm("proposals.approve_screening")
            and mine is None
            and not any(record.recorded_by_id == user.pk for record in records.values())
        )
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"審査: {proposal}",
            "screening": screening,
            "proposal": proposal,
            "version": version,
            "snapshot": version.snapshot if version else {},
            "assignments": assignments,
            "mine": mine,
            "rows": rows,
            "missing": services.missing_criteria(screening),
            "may_record": may_screen and status == ProposalStatus.UNDER_SCREENING,
            "may_resume": may_screen and status == ProposalStatus.SUBMITTED,
            "may_approve": is_approver and status == ProposalStatus.AWAITING_APPROVAL,
            "may_assign": user.has_perm("proposals.assign_screening")
            and status in (ProposalStatus.SUBMITTED, ProposalStatus.UNDER_SCREENING),
            "conflict_form": bound.get("declare") or (ConflictForm() if mine and mine.has_conflict is None else None),
            "submit_form": bound.get("submit") or CommentForm(),
            "approve_form": bound.get("approve") or ApproveForm(),
            "return_form": bound.get("return") or ReturnForm(),
            "correction_form": bound.get("correction") or CorrectionForm(),
            "add_screeners_form": bound.get("add_screeners") or AddScreenersForm(),
            "notice": ResultNotice.objects.filter(screening=screening).prefetch_related("documents").first(),
            "transitions": proposal.transitions.order_by("occurred_at", "id"),
            # 審査基準③: a dry run on the real source file (anonymizer); its report shows here.
            "dry_runs": proposal.dry_runs.all()[:5],
            # ③ is found 適合 only on a matching compliant dry run (anonymizer.dry_runs): say which, or why not.
            "dry_run_check": dry_run_check(proposal)
            if not proposal.is_existing_dataset and status in SCREENING_UNDER_WAY
            else None,
            "may_dry_run": (may_screen or user.has_perm("proposals.oversee_screening"))
            and not proposal.is_existing_dataset
            and status in (ProposalStatus.SUBMITTED, ProposalStatus.UNDER_SCREENING),
        }

    def _dry_run(self, request, screening):
        from anonymizer.services import AnonymizerError, dry_run_request

        try:
            dry_run_request(screening=screening, actor=request.user)
        except AnonymizerError as error:
            for problem in error.messages:
                self.message_user(request, problem, messages.ERROR)
            return redirect(reverse("admin:proposals_screening_screen", args=[screening.pk]) + "#dry-run")
        return self._done(
            request, screening, "原データによる試行を登録しました。完了すると、この画面に報告が表示されます。"
        )

    def _done(self, request, screening, message):
        self.message_user(request, message, messages.SUCCESS)
        return redirect(reverse("admin:proposals_screening_screen", args=[screening.pk]))

    def _call(self, request, screening, name, form, call, message):
        """Validate `form`, run `call(cleaned_data)`; on success redirect, else keep the form with the errors."""
        if form.is_valid():
            try:
                call(form.cleaned_data)
            except ProposalError as error:
                for problem in error.problems:
                    form.add_error(None, problem)
            else:
                return self._done(request, screening, message)
        request._screening_forms = {name: form}
        return None

    def _declare(self, request, screening):
        form = ConflictForm(request.POST)
        return self._call(
            request,
            screening,
            "declare",
            form,
            lambda data: services.screening_declare_conflict(
                screening=screening,
                actor=request.user,
                has_conflict=data["has_conflict"],
                note=data["note"],
                request=request,
            ),
            "利益相反の有無を申告しました。",
        )

    def _record(self, request, screening):
        prefix = f"c{request.POST.get('criterion', '')}"
        form = CriterionForm(request.POST, prefix=prefix)
        result = self._call(
            request,
            screening,
            "record",
            form,
            lambda data: services.criterion_record(
                screening=screening,
                actor=request.user,
                criterion=data["criterion"],
                met=data["met"],
                reason=data["reason"],
                request=request,
            ),
            "審査基準の判断を記録しました。",
        )
        if result is None:
            request._screening_forms = {f"record-{request.POST.get('criterion')}": form}
        return result

    def _resume(self, request, screening):
        return self._call(
            request,
            screening,
            "resume",
            CommentForm(request.POST),
            lambda data: services.screening_resume(screening=screening, actor=request.user, request=request),
            "審査を再開しました。",
        )

    def _submit(self, request, screening):
        return self._call(
            request,
            screening,
            "submit",
            CommentForm(request.POST),
            lambda data: services.screening_submit_for_approval(
                screening=screening, actor=request.user, comment=data["comment"], request=request
            ),
            "審査の結果を決裁に回付しました。",
        )

    def _approve(self, request, screening):
        return self._call(
            request,
            screening,
            "approve",
            ApproveForm(request.POST),
            lambda data: services.screening_approve(
                screening=screening,
                actor=request.user,
                comment=data["comment"],
                estimated_hours=data["estimated_hours"],
                contractor_amount=data["contractor_amount"] or 0,
                request=request,
            ),
            "決裁し、審査結果通知書を発出しました（提案者にメールで通知します）。",
        )

    def _return(self, request, screening):
        return self._call(
            request,
            screening,
            "return",
            ReturnForm(request.POST),
            lambda data: services.screening_return(
                screening=screening, actor=request.user, reason=data["reason"], request=request
            ),
            "審査担当者に差し戻しました。",
        )

    def _correction(self, request, screening):
        return self._call(
            request,
            screening,
            "correction",
            CorrectionForm(request.POST),
            lambda data: services.screening_request_correction(
                screening=screening, actor=request.user, request=request, **data
            ),
            "補正を求めました（審査は補正の提出まで中断します）。",
        )

    def _add_screeners(self, request, screening):
        return self._call(
            request,
            screening,
            "add_screeners",
            AddScreenersForm(request.POST),
            lambda data: services.screening_assign(
                proposal=screening.proposal, screeners=list(data["screeners"]), actor=request.user, request=request
            ),
            "審査担当者を追加しました。",
        )


class ResultNoticeDocumentInline(admin.TabularInline):
    model = ResultNoticeDocument
    fields = ("kind", "original_name", "size", "sha256")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ResultNotice)
class ResultNoticeAdmin(admin.ModelAdmin):
    """The notices as issued (read only); the PDFs are downloaded from the screening page."""

    list_display = ("document_number", "document_date", "proposal", "decision", "fee_amount", "issued_by_name")
    list_filter = ("decision", "fiscal_year")
    search_fields = ("document_number", "proposal__receipt_number")
    readonly_fields = [field.name for field in ResultNotice._meta.fields]
    inlines = [ResultNoticeDocumentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(screening__in=screenings_for_user(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScreeningPolicy)
class ScreeningPolicyAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "max_use_years", "document_symbol", "updated_at")

    def has_add_permission(self, request):
        return request.user.has_perm("proposals.add_screeningpolicy") and not ScreeningPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it.
        if self.has_view_or_change_permission(request):
            policy = ScreeningPolicy.current()
            return redirect(reverse("admin:proposals_screeningpolicy_change", args=[policy.pk]))
        raise PermissionDenied
