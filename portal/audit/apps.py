from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Access records (アクセス記録): tamper-evident, kept, analysed (seed 004 第12条・第13条)."""

    name = "portal.audit"
    label = "audit"
    verbose_name = "アクセス記録"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from portal.audit import signals

        user_logged_in.connect(signals.on_user_logged_in, dispatch_uid="audit.user_logged_in")
        user_login_failed.connect(signals.on_user_login_failed, dispatch_uid="audit.user_login_failed")
        user_logged_out.connect(signals.on_user_logged_out, dispatch_uid="audit.user_logged_out")
