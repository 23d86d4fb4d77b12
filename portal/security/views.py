"""Enrolment of a staff member's authenticator (seed 004 第11条)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.security.forms import TOTPConfirmForm
from portal.security.totp import (
    enrolment_device,
    needs_enrolment,
    totp_enrolment_confirm,
    totp_key_renew,
    totp_qr_data_uri,
    totp_secret_base32,
)


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request):
    """Shows a fresh secret as a QR code (each GET renews it) and confirms it with one code.

    Only for a staff member with no confirmed device (404 otherwise: nothing to show; a second device
    needs `reset_totp`). After confirmation the secret is never shown again and the session counts as
    verified.
    """
    if not needs_enrolment(request.user):
        raise Http404
    device = enrolment_device(request.user)
    form = TOTPConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_enrolment_confirm(device=device, token=form.cleaned_data["otp_token"].strip()):
            device.refresh_from_db()
            otp_login(request, device)
            access_record(
                actor=request.user,
                action=AccessAction.CHANGE,
                result=AccessResult.SUCCESS,
                obj=device,
                request=request,
                detail={"event": "totp_enrolled"},
            )
            messages.success(request, "二段階認証を登録しました。次回からは確認コードも入力してください。")
            return redirect("admin:index")
        form.add_error("otp_token", "確認コードが正しくありません。新しいコードを入力してください。")
        return render(request, "security/totp_enrol.html", {"form": form, "device": None}, status=200)
    device = totp_key_renew(device=device)
    context = {"form": form, "qr": totp_qr_data_uri(device), "secret": totp_secret_base32(device)}
    return render(request, "security/totp_enrol.html", context)
