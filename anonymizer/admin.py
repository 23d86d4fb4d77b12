"""Staff side of the anonymizer: each file's processing standard (加工基準), the dataset jobs with their
progress, cancel and restart, the datasets made, and the processing secrets (read with a reason, recorded).

Protection managers see what belongs to the files of their own organizations; the chief manager and the
audit officer oversee everything (read). Every write goes through anonymizer.services.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from anonymizer import services
from anonymizer.engine import PlanError, load_plan
from anonymizer.enums import JobStatus
from anonymizer.models import AnonymizedDataset, DatasetJob, DatasetJobTransition, ProcessingProfile, ProcessingSecret
from anonymizer.plans import hierarchy_table_messages, mode_messages
from anonymizer.workflow import JobTransitionError
from contracts.enums import ReportKind
from contracts.models import ContractReport
from files_registry.models import RegisterEntry
from portal.accounts.roles import organizations_managed_by, scoped_to_managed
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.refusals import object_in_scope_or_404
from portal.audit.services import access_record
from portal.disposal.services import DisposalError


def _scoped(queryset, user, organization_path: str):
    """Everything for the overseers; the files of their own organizations for a protection manager."""
    return scoped_to_managed(queryset, user, organization_path)


def _plan_text(plan) -> str:
    return json.dumps(plan, ensure_ascii=False, indent=2)


class PlanField(forms.CharField):
    """A processing plan as JSON text, validated against the engine's schema (Japanese messages)."""

    widget = forms.Textarea(attrs={"rows": 24, "cols": 100, "spellcheck": "false"})

    def prepare_value(self, value):
        return value if isinstance(value, str) else _plan_text(value)

    def clean(self, value):
        value = super().clean(value)
        try:
            plan = json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"JSON として読めません（{exc.lineno}行目）。") from None
        tables = hierarchy_table_messages(plan) if isinstance(plan, dict) else []
        if tables:
            raise forms.ValidationError(tables)
        try:
            load_plan(plan)
        except PlanError as exc:
            raise forms.ValidationError(exc.messages) from None
        return plan


class ProcessingProfileForm(forms.ModelForm):
    plan = PlanField(
        label="加工基準（処理計画）", help_text="処理計画の JSON（anonymizer/schema/processing-plan.schema.json）"
    )

    class Meta:
        model = ProcessingProfile
        fields = ["entry", "plan"]

    def clean_plan(self):
        plan = self.cleaned_data["plan"]
        refused = mode_messages(plan)  # 行政機関等匿名加工情報 only (seed 003: 仮名加工情報 is never provided)
        if refused:
            raise forms.ValidationError(refused)
        return plan


@admin.register(ProcessingProfile)
class ProcessingProfileAdmin(SimpleHistoryAdmin):
    form = ProcessingProfileForm
    list_display = ("entry", "updated_at", "updated_by_name")
    list_select_related = ("entry",)
    search_fields = ("entry__name", "entry__register_number")

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request.user, "entry__organization")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "entry":
            kwargs["queryset"] = RegisterEntry.objects.filter(organization__in=organizations_managed_by(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["entry"] if obj else []

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        return organizations_managed_by(request.user).filter(pk=obj.entry.organization_id).exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not organizations_managed_by(request.user).filter(pk=obj.entry.organization_id).exists():
            raise PermissionDenied
        obj.updated_by_name = request.user.display_name
        super().save_model(request, obj, form, change)


class _RecordAdmin(admin.ModelAdmin):
    """Records the services write: never added, edited or deleted in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = DatasetJobTransition
    extra = 0
    can_delete = False
    fields = (
        "occurred_at",
        "from_status",
        "to_status",
        "actor_name",
        "reason",
        "plan_digest_before",
        "plan_digest_after",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RestartForm(forms.Form):
    plan = PlanField(label="処理計画", required=False, help_text="変更するときだけ編集してください。")
    reason = forms.CharField(
        label="理由",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="処理計画を変更するとき、及び審査の試行と異なる処理計画を確認するときは必須です（保護管理者のみ）。",
    )


@admin.register(DatasetJob)
class DatasetJobAdmin(_RecordAdmin):
    """Jobs are created by a contract's conclusion (anonymizer.create_dataset); staff follow, cancel, restart."""

    list_display = ("contract", "status", "progress_bar", "attempts", "created_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("contract",)
    search_fields = ("contract__contract_number",)
    inlines = [TransitionInline]
    change_form_template = "admin/anonymizer/datasetjob/change_form.html"
    readonly_fields = (
        "contract",
        "status",
        "progress_bar",
        "attempts",
        "worker",
        "source_file",
        "plan_digest_text",
        "notes_text",
        "failure",
        "cancel_requested_at",
        "cancel_requested_by_name",
        "created_at",
        "started_at",
        "finished_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request.user, "contract__proposal__entry__organization")

    @admin.display(description="進捗")
    def progress_bar(self, obj):
        return format_html(
            '<progress max="100" value="{}" aria-label="作成の進捗">{}%</progress> {}%',
            obj.progress,
            obj.progress,
            obj.progress,
        )

    @admin.display(description="処理計画のダイジェスト（SHA-256）")
    def plan_digest_text(self, obj):
        screened = obj.screened_plan_digest or "（審査の試行の記録なし）"
        confirmed = f"・保護管理者の確認 {obj.confirmed_plan_digest}" if obj.confirmed_plan_digest else ""
        return f"作成 {obj.plan_digest}・審査の試行 {screened}{confirmed}"

    @admin.display(description="処理計画の注記")
    def notes_text(self, obj):
        return " ".join(obj.notes) or "－"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/cancel/", view(self.cancel_view), name="anonymizer_datasetjob_cancel"),
            path("<int:pk>/restart/", view(self.restart_view), name="anonymizer_datasetjob_restart"),
            *super().get_urls(),
        ]

    def _job(self, request, pk) -> DatasetJob:
        return object_in_scope_or_404(self.get_queryset(request), actor=request.user, request=request, pk=pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, object_id) if str(object_id).isdigit() else None
        extra = {
            "running": job is not None and job.status == JobStatus.RUNNING,
            "may_cancel": job is not None
            and request.user.has_perm("anonymizer.cancel_datasetjob")
            and job.status in (JobStatus.QUEUED, JobStatus.NEEDS_PLAN, JobStatus.RUNNING)
            and job.cancel_requested_at is None,
            "may_restart": job is not None
            and request.user.has_perm("anonymizer.run_datasetjob")
            and job.status in (JobStatus.NEEDS_PLAN, JobStatus.FAILED, JobStatus.CANCELLED),
            "restart_form": RestartForm(initial={"plan": job.plan}) if job is not None else None,
            "awaits_confirmation": job is not None and job.awaits_plan_confirmation,
            "report": job.report if job is not None else None,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

    def cancel_view(self, request, pk):
        job = self._job(request, pk)
        if request.method != "POST":
            return redirect(reverse("admin:anonymizer_datasetjob_change", args=[pk]))
        try:
            job = services.dataset_job_cancel(job=job, actor=request.user)
        except services.AnonymizerError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            done = (
                "中止しました。"
                if job.status == JobStatus.CANCELLED
                else "中止を指示しました。処理は次の区切りで止まります。"
            )
            self.message_user(request, done, messages.SUCCESS)
        return redirect(reverse("admin:anonymizer_datasetjob_change", args=[pk]))

    def restart_view(self, request, pk):
        job = self._job(request, pk)
        if not request.user.has_perm("anonymizer.run_datasetjob"):
            raise PermissionDenied
        form = RestartForm(request.POST or None, initial={"plan": job.plan})
        if request.method == "POST" and form.is_valid():
            try:
                services.dataset_job_restart(
                    job=job,
                    actor=request.user,
                    plan=form.cleaned_data["plan"] or None,
                    reason=form.cleaned_data["reason"],
                )
            except services.AnonymizerError as error:
                form.add_error(None, error.messages)
            except PermissionDenied as error:  # a plan change by someone not managing the file
                form.add_error(None, str(error) or "この操作をする権限がありません。")
            except JobTransitionError as error:  # someone else acted first
                form.add_error(None, str(error))
            else:
                self.message_user(request, "作成処理を再登録しました。", messages.SUCCESS)
                return redirect(reverse("admin:anonymizer_datasetjob_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"作成処理の再実行: {job}",
            "job": job,
            "form": form,
        }
        return TemplateResponse(request, "admin/anonymizer/datasetjob/restart.html", context)


class DisposeForm(forms.Form):
    reason = forms.CharField(label="消去の理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))
    contractor_report = forms.ModelChoiceField(
        label="契約相手方の削除の報告", queryset=ContractReport.objects.none(), required=False
    )
    confirm = forms.BooleanField(label="復元できないことを理解した上で消去します", required=True)

    def __init__(self, *args, dataset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contractor_report"].queryset = ContractReport.objects.filter(
            contract=dataset.contract, kind=ReportKind.DELETION
        )


@admin.register(AnonymizedDataset)
class AnonymizedDatasetAdmin(_RecordAdmin):
    list_display = ("contract", "entry", "rows", "subject_count", "created_at", "destroyed_at")
    list_select_related = ("contract", "entry")
    search_fields = ("contract__contract_number", "entry__name")
    readonly_fields = (
        "contract",
        "entry",
        "summary",
        "rows",
        "subject_count",
        "plan_digest",
        "files_list",
        "created_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request.user, "entry__organization")

    change_form_template = "admin/anonymizer/anonymizeddataset/change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:pk>/dispose/",
                self.admin_site.admin_view(self.dispose_view),
                name="anonymizer_anonymizeddataset_dispose",
            ),
            *super().get_urls(),
        ]

    def dispose_view(self, request, pk):
        """Crypto-erase with a reason → disposal certificates (seed 004 第10条)."""
        dataset = object_in_scope_or_404(self.get_queryset(request), actor=request.user, request=request, pk=pk)
        if not request.user.has_perm("anonymizer.dispose_dataset"):
            raise PermissionDenied
        form = DisposeForm(request.POST or None, dataset=dataset)
        if request.method == "POST" and form.is_valid():
            try:
                certificates = services.dataset_dispose(
                    dataset=dataset,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    contractor_report=form.cleaned_data["contractor_report"],
                )
            except (services.AnonymizerError, DisposalError) as error:
                form.add_error(None, getattr(error, "messages", None) or str(error))
            else:
                numbers = "、".join(certificate.certificate_number for certificate in certificates)
                self.message_user(request, f"消去し、消去証明（{numbers}）を発行しました。", messages.SUCCESS)
                return redirect(reverse("admin:anonymizer_anonymizeddataset_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"消去: {dataset}",
            "dataset": dataset,
            "form": form,
        }
        return TemplateResponse(request, "admin/anonymizer/anonymizeddataset/dispose.html", context)

    @admin.display(description="提供ファイル（暗号化して保管）")
    def files_list(self, obj):
        files = list(obj.files.all())
        if not files:
            return "－"
        items = format_html_join(
            "",
            "<li>{}（{}・{}バイト・SHA-256 {}…）</li>",
            ((file.name, file.get_kind_display(), f"{file.size:,}", file.sha256[:16]) for file in files),
        )
        return format_html("<ul>{}</ul>", items)


class SecretReadForm(forms.Form):
    reason = forms.CharField(label="閲覧の理由", max_length=200, widget=forms.TextInput(attrs={"size": 60}))


@admin.register(ProcessingSecret)
class ProcessingSecretAdmin(_RecordAdmin):
    """Metadata only in the list; the contents on a separate page, after a reason, for the file's managers."""

    list_display = ("dataset", "entry", "size", "created_at", "destroyed_at")
    list_select_related = ("dataset__contract", "entry")
    readonly_fields = ("dataset", "entry", "plan_digest", "size", "key_id", "created_at", "destroyed_at")
    fields = readonly_fields
    change_form_template = "admin/anonymizer/processingsecret/change_form.html"

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request.user, "entry__organization")

    def get_urls(self):
        return [
            path("<int:pk>/read/", self.admin_site.admin_view(self.read_view), name="anonymizer_processingsecret_read"),
            *super().get_urls(),
        ]

    def read_view(self, request, pk):
        secret = object_in_scope_or_404(self.get_queryset(request), actor=request.user, request=request, pk=pk)
        form = SecretReadForm(request.POST or None)
        contents = None
        if request.method == "POST" and form.is_valid():
            try:
                contents = services.processing_secret_read(
                    secret=secret, actor=request.user, reason=form.cleaned_data["reason"], request=request
                )
            except PermissionDenied:
                raise
            except services.AnonymizerError as error:
                form.add_error(None, error.messages)
        elif request.method == "GET":
            access_record(
                actor=request.user,
                action=AccessAction.VIEW,
                result=AccessResult.SUCCESS,
                obj=secret,
                request=request,
                detail={"contents": False},
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"加工方法等情報の閲覧: {secret}",
            "secret": secret,
            "form": form,
            "contents": _plan_text(contents) if contents is not None else None,
        }
        return TemplateResponse(request, "admin/anonymizer/processingsecret/read.html", context)
