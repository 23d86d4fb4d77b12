from django import template

from portal import jdates

register = template.Library()


@register.filter
def wareki(value) -> str:
    """{{ entry.updated_at|wareki }} → 令和8年11月23日"""
    return jdates.wareki(value)


@register.filter(name="fiscal_year_label")
def fiscal_year_label_filter(year) -> str:
    """{{ call.fiscal_year|fiscal_year_label }} → 令和8年度"""
    return jdates.fiscal_year_label(int(year)) if year else ""
