from django import template

from portal import jdates

register = template.Library()


@register.filter
def wareki(value) -> str:
    """{{ entry.updated_at|wareki }} → 令和8年11月23日"""
    return jdates.wareki(value)
