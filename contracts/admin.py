"""Staff side of the fee schedule (手数料)."""

from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from contracts.models import FeeSchedule
from portal.jdates import fiscal_year


@admin.register(FeeSchedule)
class FeeScheduleAdmin(SimpleHistoryAdmin):
    list_display = ("fiscal_year", "kind", "base_amount", "hourly_amount", "existing_dataset_amount", "updated_at")
    list_filter = ("kind",)

    def get_changeform_initial_data(self, request):
        return {"fiscal_year": fiscal_year(timezone.localdate()), **super().get_changeform_initial_data(request)}

    def has_delete_permission(self, request, obj=None):
        return False
