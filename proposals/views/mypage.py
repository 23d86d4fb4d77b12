"""/mypage/: the proposer's dashboard, profile, messages and pre-consultations."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from files_registry.models import RegisterEntry
from portal.audit.refusals import object_in_scope_or_404
from portal.ids import parse_uuid
from portal.uploads import protected_download
from proposals.forms import run_for_form
from proposals.forms.accounts import OfficerFormSet, ProposerForm
from proposals.forms.consultations import ConsultationForm, ReplyForm
from proposals.models import Consultation, ConsultationAttachment
from proposals.selectors import (
    consultation_for_user,
    consultations_for_user,
    notifications_for_user,
    proposals_for_user,
    proposer_for_user,
)
from proposals.services.consultations import consultation_open, consultation_reply
from proposals.services.proposers import proposer_save

proposer_login_required = login_required(login_url="accounts:login")


def proposer_required(view):
    """Signed in with a completed proposer profile; otherwise to sign-in or to the profile form."""

    @proposer_login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        proposer = proposer_for_user(request.user)
        if proposer is None:
            messages.info(request, "はじめに提案者の情報を登録してください。")
            return redirect("mypage:profile")
        request.proposer = proposer
        return view(request, *args, **kwargs)

    return wrapper


@proposer_login_required
@require_safe
def dashboard(request):
    proposer = proposer_for_user(request.user)
    return render(
        request,
        "mypage/dashboard.html",
        {
            "proposer": proposer,
            "proposals": proposals_for_user(request.user)[:20] if proposer else [],
            "consultations": consultations_for_user(request.user)[:10] if proposer else [],
            "notifications": notifications_for_user(request.user)[:5],
        },
    )


@proposer_login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    proposer = proposer_for_user(request.user)
    form = ProposerForm(request.POST or None, instance=proposer)
    officers = OfficerFormSet(request.POST or None, instance=proposer, prefix="officers")
    if request.method == "POST" and form.is_valid() and officers.is_valid():
        proposer_save(user=request.user, form=form, officers_formset=officers)
        messages.success(request, "提案者の情報を保存しました。")
        return redirect("mypage:dashboard")
    return render(request, "mypage/profile.html", {"form": form, "officers": officers})


@proposer_login_required
@require_safe
def notifications(request):
    page = Paginator(notifications_for_user(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "mypage/notifications.html", {"page": page})


@proposer_required
@require_http_methods(["GET", "POST"])
def consultation_new(request):
    initial = {}
    entry_id = request.GET.get("entry")
    if entry_id:
        entry = RegisterEntry.objects.published().filter(public_id=parse_uuid(entry_id)).first()
        initial["entry"] = entry
    form = ConsultationForm(request.POST or None, request.FILES or None, initial=initial)
    consultation = (
        request.method == "POST"
        and form.is_valid()
        and run_for_form(
            form,
            lambda: consultation_open(
                proposer=request.proposer,
                actor=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                call=form.cleaned_data.get("call"),
                entry=form.cleaned_data.get("entry"),
                files=form.cleaned_data.get("files") or [],
            ),
        )
    )
    if consultation:
        messages.success(request, "事前相談を送信しました。回答はメールでお知らせします。")
        return redirect("mypage:consultation", public_id=consultation.public_id)
    return render(request, "mypage/consultation_new.html", {"form": form})


@proposer_required
@require_http_methods(["GET", "POST"])
def consultation_detail(request, public_id):
    try:
        consultation = consultation_for_user(request.user, public_id)
    except Consultation.DoesNotExist:
        raise Http404 from None
    form = ReplyForm(request.POST or None, request.FILES or None)
    replied = (
        request.method == "POST"
        and form.is_valid()
        and run_for_form(
            form,
            lambda: consultation_reply(
                consultation=consultation,
                actor=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data.get("files") or [],
                from_agency=False,
            ),
        )
    )
    if replied:
        messages.success(request, "送信しました。")
        return redirect("mypage:consultation", public_id=consultation.public_id)
    return render(request, "mypage/consultation_detail.html", {"consultation": consultation, "form": form})


@proposer_required
@require_safe
def consultation_attachment(request, public_id):
    own = ConsultationAttachment.objects.filter(message__consultation__proposer__user=request.user)
    attachment = object_in_scope_or_404(own, actor=request.user, request=request, public_id=public_id)  # 第5条2項
    return protected_download(request, attachment)
