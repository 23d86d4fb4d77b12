"""/mypage/contracts/: the contractor applies (法115), downloads the payment slip (法119), follows the
contract and files reports (seed 004 第25条). Thin views: selector (404), form, one service, redirect."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from anonymizer.delivery import (
    DeliveryUnavailable,
    LinkRefused,
    dataset_for_contract,
    delivery_file,
    delivery_grant,
    delivery_open,
)
from contracts.enums import ContractStatus, ReportKind
from contracts.forms import ApplicationForm, ReportForm
from contracts.models import Contract, ContractDocument
from contracts.selectors import (
    contract_document_for_user,
    contract_for_user,
    contracts_for_user,
    notice_for_application,
)
from contracts.services import (
    REPORTABLE,
    ContractError,
    application_deadline,
    contract_apply,
    payment_slip_context,
    report_submit,
)
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record, download_day, download_record
from portal.pdf import render_pdf
from portal.uploads import protected_download
from proposals.models import ResultNotice
from proposals.views.mypage import proposer_required


def _run(form, action):
    """A service call for a bound form: its result, or None with each refusal added as a form error."""
    try:
        return action()
    except ContractError as error:
        for problem in error.problems:
            form.add_error(None, problem)
        return None


def _own_contract(request, public_id) -> Contract:
    try:
        return contract_for_user(request.user, public_id)
    except Contract.DoesNotExist:
        raise Http404 from None


@proposer_required
@require_safe
def contract_list(request):
    return render(request, "contracts/list.html", {"contracts": contracts_for_user(request.user)})


@proposer_required
@require_http_methods(["GET", "POST"])
def contract_apply_view(request, proposal_id):
    try:
        notice = notice_for_application(request.user, proposal_id)
    except ResultNotice.DoesNotExist:
        raise Http404 from None
    form = ApplicationForm(request.POST or None, request.FILES or None)
    contract = (
        request.method == "POST"
        and form.is_valid()
        and _run(
            form,
            lambda: contract_apply(
                notice=notice,
                actor=request.user,
                upload=form.cleaned_data.get("document"),
                confirmed=form.cleaned_data.get("confirm_online", False),
            ),
        )
    )
    if contract:
        messages.success(request, "契約の締結の申込みを受け付けました。")
        return redirect("contracts:detail", public_id=contract.public_id)
    context = {"form": form, "notice": notice, "deadline": application_deadline(notice)}
    return render(request, "contracts/apply.html", context)


@proposer_required
@require_safe
def contract_detail(request, public_id):
    contract = _own_contract(request, public_id)
    kinds = [kind for kind in ReportKind if contract.status in REPORTABLE[kind]]
    dataset = dataset_for_contract(contract)
    if dataset is not None:
        delivery_grant(session=request.session, contract=contract)
    context = {
        "contract": contract,
        "report_kinds": kinds,
        "dataset": dataset,
        "link_minutes": settings.ANONYMIZER_DELIVERY_LINK_SECONDS // 60,
        # seed 004 第13条: the day's volume and the thresholds, and the warning, before the links.
        "downloads": download_day(request.user) if dataset is not None else None,
    }
    # seed 004 第12条: opening a contract is on the record.
    access_record(
        actor=request.user, action=AccessAction.VIEW, result=AccessResult.SUCCESS, obj=contract, request=request
    )
    return render(request, "contracts/detail.html", context)


@proposer_required
@require_safe
def dataset_download(request, public_id, file_id):
    """A delivered file, decrypted as it streams; the link is short-lived and bound to this session."""
    contract = _own_contract(request, public_id)
    try:
        file = delivery_file(session=request.session, contract=contract, file_id=file_id)
    except LinkRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("contracts:detail", public_id=contract.public_id)
    try:
        chunks = delivery_open(file=file, actor=request.user, request=request)
    except DeliveryUnavailable as problem:
        context = {"contract": contract, "file": file, "message": str(problem)}
        return render(request, "anonymizer/delivery_unavailable.html", context, status=503)
    outcome = download_record(actor=request.user, obj=file, rows=file.rows, bytes=file.size, request=request)
    if outcome.warning:
        messages.warning(request, outcome.message)
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, f"{contract.contract_number}_{file.name}")
    response["Content-Length"] = str(file.size)
    response["Cache-Control"] = "no-store"
    return response


@proposer_required
@require_safe
def payment_slip(request, public_id):
    """納付書 (法119) for a contract whose fee is fixed; the download is recorded (download_record)."""
    contract = _own_contract(request, public_id)
    if contract.fee_amount is None or contract.status == ContractStatus.APPLIED:
        raise Http404
    pdf = render_pdf("pdf/payment_slip.html", payment_slip_context(contract))
    outcome = download_record(actor=request.user, obj=contract, bytes=len(pdf), request=request)
    if outcome.warning:
        messages.warning(request, outcome.message)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"納付書_{contract.proposal.receipt_number}.pdf")
    response["Cache-Control"] = "no-store"
    return response


@proposer_required
@require_http_methods(["GET", "POST"])
def report_new(request, public_id):
    contract = _own_contract(request, public_id)
    form = ReportForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    report = (
        request.method == "POST"
        and form.is_valid()
        and _run(
            form,
            lambda: report_submit(
                contract=contract,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
                occurred_on=form.cleaned_data.get("occurred_on"),
                upload=form.cleaned_data.get("attachment"),
            ),
        )
    )
    if report:
        messages.success(request, f"「{report.get_kind_display()}」を提出しました。")
        return redirect("contracts:detail", public_id=contract.public_id)
    return render(request, "contracts/report_form.html", {"contract": contract, "form": form})


@proposer_required
@require_safe
def contract_document(request, public_id, document_id):
    contract = _own_contract(request, public_id)
    try:
        document = contract_document_for_user(request.user, contract, document_id)
    except ContractDocument.DoesNotExist:
        raise Http404 from None
    return protected_download(request, document)
