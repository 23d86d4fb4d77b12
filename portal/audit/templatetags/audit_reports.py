"""Template tag of the audit report link (seed 004 第29条)."""

from django import template

from portal.audit.reports import audit_report_allowed

register = template.Library()


@register.simple_tag
def may_open_audit_report(user) -> bool:
    return audit_report_allowed(user)
