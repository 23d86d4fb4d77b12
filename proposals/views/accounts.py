"""Proposer accounts on the public site: register, verify the e-mail address, sign in, reset."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_http_methods, require_safe

from portal.accounts.models import User
from proposals.forms.accounts import RegistrationForm
from proposals.services.proposers import account_register, account_verify, email_verification_token


@require_http_methods(["GET", "POST"])
def register(request):
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account_register(email=form.cleaned_data["email"], password=form.cleaned_data["password1"], request=request)
        return redirect("accounts:register_sent")
    return render(request, "accounts/register.html", {"form": form})


@require_safe
def register_sent(request):
    return render(request, "accounts/register_sent.html")


@require_http_methods(["GET", "POST"])
def verify(request, uidb64, token):
    """The link in the verification e-mail. GET only shows a button: mail scanners that follow
    links must not activate accounts; the POST does."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or user.is_active or not email_verification_token.check_token(user, token):
        return render(request, "accounts/verify_failed.html", status=400)
    if request.method == "GET":
        return render(request, "accounts/verify.html")
    account_verify(user=user, token=token)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "メールアドレスを確認しました。続けて提案者の情報を登録してください。")
    return redirect("mypage:profile")
