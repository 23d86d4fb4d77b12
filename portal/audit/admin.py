"""Read-only admin of the access records and alerts (seed 004 第12条); alerts can be marked reviewed.

Nobody adds, changes or deletes an access record here, superusers included. Looking at the records
is itself recorded (第12条2項: 窃取の防止 — who read the records is on the record).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessAlert, AccessArchive, AccessRecord
from portal.audit.services import access_record, alert_review


class RecordedViewsAdmin(admin.ModelAdmin):
    """Records every list and detail page shown (and every one refused) as a 閲覧 access record."""

    actions = None
    show_full_result_count = False
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        self._record_view(request, self.model)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            self._record_view(request, self.get_object(request, object_id) or self.model)
        return super().change_view(request, object_id, form_url, extra_context)

    def _record_view(self, request, obj) -> None:
        allowed = self.has_view_or_change_permission(request, obj if not isinstance(obj, type) else None)
        result = AccessResult.SUCCESS if allowed else AccessResult.REFUSED
        access_record(actor=request.user, action=AccessAction.VIEW, result=result, obj=obj, request=request)


@admin.register(AccessRecord)
class AccessRecordAdmin(RecordedViewsAdmin):
    list_display = (
        "position",
        "occurred_at",
        "actor_name",
        "actor_username",
        "action",
        "result",
        "object_repr",
        "ip_address",
    )
    list_filter = ("action", "result", "occurred_at")
    search_fields = ("actor_name", "actor_username")
    ordering = ("-position",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessArchive)
class AccessArchiveAdmin(RecordedViewsAdmin):
    list_display = (
        "first_position",
        "last_position",
        "record_count",
        "oldest_at",
        "newest_at",
        "file_name",
        "created_at",
    )

    def has_change_permission(self, request, obj=None):
        return False


class AlertReviewForm(forms.ModelForm):
    class Meta:
        model = AccessAlert
        fields = ["review_note"]

    def clean_review_note(self):
        note = self.cleaned_data["review_note"].strip()
        if not note:
            raise ValidationError("確認の記録を入力してください。")
        return note

    def clean(self):
        cleaned = super().clean()
        if AccessAlert.objects.filter(pk=self.instance.pk, reviewed_at__isnull=False).exists():
            raise ValidationError("この警告は既に確認済みです。")
        return cleaned


@admin.register(AccessAlert)
class AccessAlertAdmin(RecordedViewsAdmin):
    form = AlertReviewForm
    list_display = (
        "raised_at",
        "kind",
        "subject_name",
        "subject_username",
        "record_count",
        "emailed_at",
        "is_reviewed",
    )
    list_filter = ("kind", ("reviewed_at", admin.EmptyFieldListFilter), "raised_at")
    search_fields = ("subject_name", "subject_username")
    fields = (
        "kind",
        "raised_at",
        "subject_name",
        "subject_username",
        "subject_user_id",
        "period_start",
        "period_end",
        "record_count",
        "first_position",
        "last_position",
        "detail",
        "emailed_at",
        "reviewed_at",
        "reviewed_by_name",
        "review_note",
    )

    @admin.display(boolean=True, description="確認済み")
    def is_reviewed(self, alert: AccessAlert) -> bool:
        return alert.is_reviewed

    def has_change_permission(self, request, obj=None):
        # "Change" is only the review, once, by a holder of audit.review_accessalert.
        return request.user.has_perm("audit.review_accessalert") and (obj is None or not obj.is_reviewed)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            return [name for name in self.fields if name != "review_note"]
        return list(self.fields)

    def save_model(self, request, obj, form, change):
        alert_review(alert=obj, actor=request.user, note=form.cleaned_data["review_note"], request=request)

    def save_related(self, request, form, formsets, change):
        pass
