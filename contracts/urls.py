"""The contractor's pages under /mypage/contracts/ (namespace `contracts`). The project includes them:

path("mypage/contracts/", include((mypage_contract_pages, "contracts"))),
"""

from django.urls import path

from contracts import views

mypage_contract_pages = [
    path("", views.contract_list, name="list"),
    path("apply/<uuid:proposal_id>/", views.contract_apply_view, name="apply"),
    path("<uuid:public_id>/", views.contract_detail, name="detail"),
    path("<uuid:public_id>/payment-slip.pdf", views.payment_slip, name="payment_slip"),
    path("<uuid:public_id>/reports/new/", views.report_new, name="report_new"),
    path("<uuid:public_id>/files/<uuid:document_id>/", views.contract_document, name="document"),
    path("<uuid:public_id>/dataset/<uuid:file_id>/", views.dataset_download, name="dataset_download"),
]
