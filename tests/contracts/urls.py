"""The project's URLs plus the contract pages, until the lead includes them in portal/urls.py."""

from django.urls import include, path

from contracts.urls import mypage_contract_pages
from portal.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if not any(getattr(pattern, "namespace", None) == "contracts" for pattern in urlpatterns):
    urlpatterns.append(path("mypage/contracts/", include((mypage_contract_pages, "contracts"))))
