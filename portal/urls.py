from django.contrib import admin
from django.urls import include, path

from contracts.public import fee_schedule_list
from contracts.urls import mypage_contract_pages
from portal import views
from proposals.urls import account_pages, calls, mypage_pages

admin.site.site_header = "行政機関等匿名加工情報 提案ポータル 管理画面"
admin.site.site_title = "管理画面"
admin.site.index_title = "業務メニュー"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", include("files_registry.urls")),
    path("calls/", include(calls)),
    path("fees/", fee_schedule_list, name="fees"),
    path("accounts/", include(account_pages)),
    path("mypage/contracts/", include((mypage_contract_pages, "contracts"))),
    path("mypage/", include(mypage_pages)),
    path("admin/", admin.site.urls),
    path("security/", include("portal.security.urls")),
]
