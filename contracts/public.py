"""/fees/: the fee schedule published on the portal (法119, issue 4: "the schedule is published on the portal")."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from contracts.selectors import fee_schedules_public


@require_safe
def fee_schedule_list(request):
    return render(request, "contracts/fees.html", {"schedules": fee_schedules_public()})
