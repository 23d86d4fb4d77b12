from django import template
from django.utils import timezone

from portal.jdates import fiscal_year, fiscal_year_label
from proposals.services.calls import entries_without_call

register = template.Library()


@register.simple_tag(takes_context=True)
def calls_missing_this_year(context) -> dict:
    """Entries open for proposals with no call this fiscal year, for staff who can see calls."""
    user = context["request"].user
    if not user.has_perm("proposals.view_proposalcall"):
        return {"entries": []}
    year = fiscal_year(timezone.localdate())
    return {"entries": list(entries_without_call(year)), "year_label": fiscal_year_label(year)}
