"""The admin site (admin.site): staff must be verified by their TOTP device (seed 004 第11条・第14条)."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from portal.security.totp import confirmed_devices, needs_enrolment


class StaffLoginForm(AdminAuthenticationForm):
    """Password, then the 6-digit code of the staff member's authenticator.

    A wrong code counts as a failed sign-in (user_login_failed): django-axes locks the account and
    the address after repeated failures, and the access records note it (第12条).
    """

    otp_token = forms.CharField(
        label="確認コード（認証アプリの6桁）",
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "ユーザー名またはパスワードが正しくありません。",
        "token_required": "認証アプリに表示される6桁の確認コードを入力してください。",
        "invalid_token": "確認コードが正しくありません。時刻のずれがないか確認し、新しいコードを入力してください。",
    }

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None:
            return cleaned
        devices = list(confirmed_devices(user))
        if not devices:
            return cleaned  # signs in unverified: the site shows them the enrolment page and nothing else
        token = (cleaned.get("otp_token") or "").strip()
        if not token:
            raise ValidationError(self.error_messages["token_required"], code="token_required")
        user.otp_device = self._verified_device(devices, token)
        if user.otp_device is None:
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=self.request)
            raise ValidationError(self.error_messages["invalid_token"], code="invalid_token")
        return cleaned

    @staticmethod
    def _verified_device(devices, token: str):
        with transaction.atomic():
            for device in devices:
                # verify_is_allowed: django-otp's throttling (growing delay after wrong codes).
                allowed, _ = device.verify_is_allowed()
                if allowed and device.verify_token(token):
                    return device
        return None


class PortalAdminSite(OTPAdminSite):
    """OTPAdminSite under the usual name "admin": has_permission also needs user.is_verified()."""

    login_form = StaffLoginForm
    login_template = "admin/login.html"

    def __init__(self, name: str = "admin"):
        super().__init__(name)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every ModelAdmin gets ObjectAccessMixin: its object pages answer 404 alike for "no access" and
        "does not exist" (seed 004 第5条2項; portal/admin_objects.py)."""
        from django.contrib.admin import ModelAdmin

        from portal.admin_objects import with_object_access

        super().register(model_or_iterable, with_object_access(admin_class or ModelAdmin), **options)

    def get_urls(self):
        from django.urls import path

        from portal.audit.views_reports import audit_report

        # Before the admin's own patterns: its catch-all would answer admin/audit/report/ with a 404.
        return [path("audit/report/", self.admin_view(audit_report), name="audit_report"), *super().get_urls()]

    def login(self, request, extra_context=None):
        user = request.user
        if (
            request.method == "GET"
            and user.is_authenticated
            and user.is_active
            and user.is_staff
            and not user.is_verified()
            and needs_enrolment(user)
        ):
            return redirect(reverse("security:totp_enrol"))
        return super().login(request, extra_context)
