"""Public pages of proposal calls (提案の募集): the guidelines and the forms, for anyone."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from proposals.models import ProposalCall
from proposals.selectors import call_public
from proposals.services.calls import calls_public


@require_safe
def call_list(request):
    return render(request, "proposals/call_list.html", {"groups": calls_public()})


@require_safe
def call_detail(request, public_id):
    try:
        call = call_public(public_id)
    except ProposalCall.DoesNotExist:
        raise Http404("指定された募集は見つかりません。") from None
    return render(request, "proposals/call_detail.html", {"call": call, "phase": call.phase()})


@require_safe
def call_form_pdf(request, public_id, form: str):
    """A blank form of the call (提案書・誓約書・委任状, seed 000: obtainable on the web)."""
    from django.http import HttpResponse

    from proposals.documents import CALL_FORMS
    from proposals.documents import call_form_pdf as render_form

    if form not in CALL_FORMS:
        raise Http404
    try:
        call = call_public(public_id)
    except ProposalCall.DoesNotExist:
        raise Http404 from None
    pdf, _title = render_form(call, form)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{form}.pdf"'
    return response
