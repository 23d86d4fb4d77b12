"""/mypage/: the proposer downloads the result notices (審査結果通知書) of their own proposals."""

from django.http import Http404
from django.views.decorators.http import require_safe

from portal.uploads import protected_download
from proposals.models import Proposal, ResultNoticeDocument
from proposals.selectors import proposal_for_user
from proposals.selectors_screening import notice_documents_for_proposer
from proposals.views.mypage import proposer_required


@proposer_required
@require_safe
def result_notice_document(request, public_id, document_id):
    """One stored PDF of a notice, exactly as issued; the download is recorded (download_record)."""
    try:
        proposal = proposal_for_user(request.user, public_id)
        document = notice_documents_for_proposer(request.user, proposal).get(public_id=document_id)
    except (Proposal.DoesNotExist, ResultNoticeDocument.DoesNotExist):
        raise Http404 from None
    return protected_download(request, document)
