from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Access records (アクセス記録): tamper-evident, kept, analysed (seed 004 第12条・第13条)."""

    name = "portal.audit"
    label = "audit"
    verbose_name = "アクセス記録"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_save

        from portal.audit import signals
        from portal.audit.reports import audit_sections_register

        user_logged_in.connect(signals.on_user_logged_in, dispatch_uid="audit.user_logged_in")
        user_login_failed.connect(signals.on_user_login_failed, dispatch_uid="audit.user_login_failed")
        user_logged_out.connect(signals.on_user_logged_out, dispatch_uid="audit.user_logged_out")
        # seed 004 第14条: a superuser account created outside a request (createsuperuser, shell) is recorded.
        post_save.connect(signals.on_user_saved, sender=get_user_model(), dispatch_uid="audit.superuser_created")
        # seed 004 第29条: the audit app's own sections of the period report.
        audit_sections_register()
