from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Access records (アクセス記録): tamper-evident, kept, analysed (seed 004 第12条・第13条)."""

    name = "portal.audit"
    label = "audit"
    verbose_name = "アクセス記録"
