from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Access records (アクセス記録): tamper-evident, kept, analysed (seed 004 第12条・第13条)."""

    name = "portal.audit"
    label = "audit"
    verbose_name = "アクセス記録"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
        from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

        from portal.audit import signals
        from portal.audit.access_sections import audit_sections_register

        user_logged_in.connect(signals.on_user_logged_in, dispatch_uid="audit.user_logged_in")
        user_login_failed.connect(signals.on_user_login_failed, dispatch_uid="audit.user_login_failed")
        user_logged_out.connect(signals.on_user_logged_out, dispatch_uid="audit.user_logged_out")
        # seed 004 第5条・第14条: privilege changes — account flags (a new superuser is a superuser action),
        # role (group) membership, direct model permissions, guardian object permissions.
        User = get_user_model()
        pre_save.connect(signals.on_user_saving, sender=User, dispatch_uid="audit.user_flags_before")
        post_save.connect(signals.on_user_saved, sender=User, dispatch_uid="audit.superuser_created")
        m2m_changed.connect(signals.on_user_groups_changed, sender=User.groups.through, dispatch_uid="audit.groups")
        m2m_changed.connect(
            signals.on_user_permissions_changed, sender=User.user_permissions.through, dispatch_uid="audit.user_perms"
        )
        for model in (get_user_obj_perms_model(), get_group_obj_perms_model()):
            uid = f"audit.{model._meta.label_lower}"
            post_save.connect(signals.on_object_permission_saved, sender=model, dispatch_uid=f"{uid}.saved")
            post_delete.connect(signals.on_object_permission_deleted, sender=model, dispatch_uid=f"{uid}.deleted")
        # seed 004 第29条: the audit app's own sections of the period report.
        audit_sections_register()
