from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SecurityConfig(AppConfig):
    default = True
    name = "portal.security"
    label = "security"
    verbose_name = "認証とセッション"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.security import signals

        signals.connect()


class SecureAdminConfig(admin_apps.AdminConfig):
    default = False
    """django.contrib.admin whose default site (admin.site) asks staff for the second factor."""

    default_site = "portal.security.admin_site.PortalAdminSite"


class AxesConfig(AxesAppConfig):
    """django-axes under a Japanese name in the admin (its own would be "Axes"; its strings: locale/ja)."""

    default = False
    verbose_name = "サインインの試行とロックアウト"
