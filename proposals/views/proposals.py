"""The proposal pages of /mypage/: draft, attach, submit, receipt, withdraw, answer a correction."""

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from files_registry.models import AnonymizedDatasetSummary, RegisterEntry
from portal.audit.refusals import object_in_scope_or_404
from portal.audit.services import download_record
from portal.ids import parse_uuid
from portal.uploads import protected_download
from proposals.forms.proposals import AttachmentForm, DeclarationForm, ProcessingForm, ProposalContentsForm
from proposals.models import Proposal, ProposalCall
from proposals.selectors import proposal_for_user
from proposals.services import proposals as services
from proposals.services.proposals import ProposalError
from proposals.views.mypage import proposer_required


def _own(request, public_id) -> Proposal:
    try:
        return proposal_for_user(request.user, public_id)
    except Proposal.DoesNotExist:
        raise Http404 from None


def _url(proposal: Proposal) -> str:
    return reverse("mypage:proposal", kwargs={"public_id": proposal.public_id})


@proposer_required
@require_POST
def proposal_new(request):
    """Start a draft: on a call's file (call, entry) or on a created dataset (dataset)."""
    try:
        if request.POST.get("dataset"):
            summary = AnonymizedDatasetSummary.objects.select_related("entry").get(
                public_id=parse_uuid(request.POST["dataset"]), published=True, entry__published=True
            )
            proposal = services.proposal_create(
                proposer=request.proposer, actor=request.user, entry=summary.entry, dataset_summary=summary
            )
        else:
            call = ProposalCall.objects.published().get(public_id=parse_uuid(request.POST.get("call")))
            entry = RegisterEntry.objects.published().get(public_id=parse_uuid(request.POST.get("entry")))
            proposal = services.proposal_create(proposer=request.proposer, actor=request.user, entry=entry, call=call)
    except (ProposalCall.DoesNotExist, RegisterEntry.DoesNotExist, AnonymizedDatasetSummary.DoesNotExist):
        raise Http404 from None
    except ProposalError as error:
        for problem in error.problems:
            messages.error(request, problem)
        return redirect(_safe_back(request))
    messages.success(request, "提案書の作成を始めました。入力した内容は下書きとして保存されます。")
    return redirect(_url(proposal))


def _safe_back(request) -> str:
    back = request.POST.get("back") or ""
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    return reverse("calls:list")


def _forms(request, proposal: Proposal, data=None):
    items = list(proposal.entry.recorded_items.all())
    contents = ProposalContentsForm(data, instance=proposal, existing_dataset=proposal.is_existing_dataset)
    processing = None
    if not proposal.is_existing_dataset:
        processing = ProcessingForm(
            data, items=items, initial=ProcessingForm.initial_from(proposal.processing_request or {}, items)
        )
    declaration = DeclarationForm(
        data, proposer=proposal.proposer, initial=DeclarationForm.initial_from(proposal.declarations or {})
    )
    return contents, processing, declaration


def _draft_data(contents, processing, declaration) -> tuple[dict, bool]:
    """What validated, ready for proposal_save_draft, and whether any field had a format error."""
    forms = [form for form in (contents, processing, declaration) if form is not None]
    all_valid = all([form.is_valid() for form in forms])
    data = {name: value for name, value in contents.cleaned_data.items() if name not in contents.errors}
    if processing is not None:
        data["processing_request"] = processing.request_data()
    data["declarations"] = declaration.declarations()
    return data, not all_valid


@proposer_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request, public_id):
    proposal = _own(request, public_id)
    if not proposal.editable_by_proposer:
        return render(request, "mypage/proposal_submitted.html", _submitted_context(proposal))
    contents, processing, declaration = _forms(request, proposal, request.POST or None)
    problems: list[str] = []
    if request.method == "POST":
        data, format_errors = _draft_data(contents, processing, declaration)
        try:
            services.proposal_save_draft(proposal=proposal, actor=request.user, data=data)
        except ProposalError as error:
            messages.error(request, " ".join(error.problems))
            return redirect(_url(proposal))
        if request.headers.get("X-Autosave") == "1":
            saved_at = timezone.localtime().strftime("%H:%M:%S")
            return JsonResponse({"saved": True, "saved_at": saved_at, "format_errors": format_errors})
        if request.POST.get("detach"):
            return _detach(request, proposal, request.POST["detach"])
        if request.POST.get("action") == "attach":
            return _attach(request, proposal)
        if format_errors:
            problems.append(
                "形式が正しくない項目があります。該当する項目を確認してください（その他の入力は保存しました）。"
            )
        elif request.POST.get("action") == "submit":
            try:
                version = services.proposal_submit(proposal=proposal, actor=request.user)
            except ProposalError as error:
                problems = error.problems
            else:
                messages.success(
                    request,
                    f"提案書を受け付けました。受付番号は {version.proposal.receipt_number} です。"
                    "受付の控えをダウンロードできます。",
                )
                return redirect(_url(proposal))
        else:
            messages.success(request, "下書きを保存しました。")
            return redirect(_url(proposal))
    proposal.refresh_from_db()
    return render(
        request,
        "mypage/proposal_form.html",
        {
            "proposal": proposal,
            "contents": contents,
            "processing": processing,
            "declaration": declaration,
            "attachment_form": AttachmentForm(),
            "attachments": services.current_attachments(proposal),
            "problems": problems,
            "open_correction": proposal.correction_requests.filter(answered_version__isnull=True).first(),
        },
    )


def _submitted_context(proposal: Proposal) -> dict:
    return {
        "proposal": proposal,
        "versions": proposal.versions.order_by("-number"),
        "latest": proposal.versions.order_by("-number").first(),
        "corrections": proposal.correction_requests.order_by("-requested_at"),
        "transitions": proposal.transitions.order_by("occurred_at"),
    }


def _attach(request, proposal: Proposal):
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "添付する書類の種類とファイルを指定してください（入力内容は保存しました）。")
        return redirect(_url(proposal) + "#attachments")
    try:
        services.proposal_attach(
            proposal=proposal, actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
        )
    except ProposalError as error:
        for problem in error.problems:
            messages.error(request, problem)
    else:
        messages.success(request, "書類を添付しました（入力内容も保存しました）。")
    return redirect(_url(proposal) + "#attachments")


def _detach(request, proposal: Proposal, attachment_id: str):
    attachment = proposal.attachments.filter(public_id=parse_uuid(attachment_id)).first()
    if attachment is None:
        raise Http404
    try:
        services.proposal_detach(proposal=proposal, actor=request.user, attachment=attachment)
    except ProposalError as error:
        messages.error(request, " ".join(error.problems))
    else:
        messages.success(request, "添付を取り消しました。")
    return redirect(_url(proposal) + "#attachments")


@proposer_required
@require_safe
def proposal_attachment(request, public_id, attachment_id):
    proposal = _own(request, public_id)
    attachment = object_in_scope_or_404(  # another proposal's attachment is recorded as refused (第5条2項)
        proposal.attachments.all(), actor=request.user, request=request, public_id=attachment_id
    )
    return protected_download(request, attachment)


@proposer_required
@require_POST
def proposal_withdraw(request, public_id):
    proposal = _own(request, public_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "取下げの確認欄にチェックを入れてください。")
        return redirect(_url(proposal))
    try:
        services.proposal_withdraw(proposal=proposal, actor=request.user, reason=request.POST.get("reason", "")[:1000])
    except ProposalError as error:
        messages.error(request, " ".join(error.problems))
    else:
        messages.success(request, "提案を取り下げました。")
    return redirect(_url(proposal))


@proposer_required
@require_safe
def proposal_receipt(request, public_id, number: int):
    """The receipt (受付の控え): a PDF of exactly what was submitted in that version."""
    from proposals.documents import receipt_pdf

    proposal = _own(request, public_id)
    version = proposal.versions.filter(number=number).first()
    if version is None:
        raise Http404
    pdf = receipt_pdf(version)
    download_record(actor=request.user, obj=version, bytes=len(pdf), request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{proposal.receipt_number}-v{number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
