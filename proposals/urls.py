"""URLs of the proposer-facing pages: /calls/, /accounts/, /mypage/ (one namespace each)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from proposals.forms.password import OutboxPasswordResetForm
from proposals.views import accounts, mypage, notices, public
from proposals.views import proposals as proposal_views

calls = (
    [
        path("", public.call_list, name="list"),
        path("<uuid:public_id>/", public.call_detail, name="detail"),
        path("<uuid:public_id>/forms/<str:form>.pdf", public.call_form_pdf, name="form_pdf"),
    ],
    "calls",
)

account_pages = (
    [
        path("register/", accounts.register, name="register"),
        path("register/sent/", accounts.register_sent, name="register_sent"),
        path("verify/<str:uidb64>/<str:token>/", accounts.verify, name="verify"),
        path(
            "login/",
            auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
            name="login",
        ),
        path("logout/", auth_views.LogoutView.as_view(next_page="home"), name="logout"),
        path(
            "password-reset/",
            auth_views.PasswordResetView.as_view(
                template_name="accounts/password_reset.html",
                form_class=OutboxPasswordResetForm,
                success_url=reverse_lazy("accounts:password_reset_done"),
            ),
            name="password_reset",
        ),
        path(
            "password-reset/sent/",
            auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
            name="password_reset_done",
        ),
        path(
            "password-reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(
                template_name="accounts/password_reset_confirm.html",
                success_url=reverse_lazy("accounts:password_reset_complete"),
            ),
            name="password_reset_confirm",
        ),
        path(
            "password-reset/complete/",
            auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
            name="password_reset_complete",
        ),
    ],
    "accounts",
)

mypage_pages = (
    [
        path("", mypage.dashboard, name="dashboard"),
        path("profile/", mypage.profile, name="profile"),
        path("notifications/", mypage.notifications, name="notifications"),
        path("consultations/new/", mypage.consultation_new, name="consultation_new"),
        path("consultations/<uuid:public_id>/", mypage.consultation_detail, name="consultation"),
        path("consultations/files/<uuid:public_id>/", mypage.consultation_attachment, name="consultation_file"),
        path("proposals/new/", proposal_views.proposal_new, name="proposal_new"),
        path("proposals/<uuid:public_id>/", proposal_views.proposal_detail, name="proposal"),
        path(
            "proposals/<uuid:public_id>/files/<uuid:attachment_id>/",
            proposal_views.proposal_attachment,
            name="proposal_file",
        ),
        path("proposals/<uuid:public_id>/withdraw/", proposal_views.proposal_withdraw, name="proposal_withdraw"),
        path(
            "proposals/<uuid:public_id>/notices/<uuid:document_id>/",
            notices.result_notice_document,
            name="result_notice_document",
        ),
        path(
            "proposals/<uuid:public_id>/receipt-<int:number>.pdf",
            proposal_views.proposal_receipt,
            name="proposal_receipt",
        ),
    ],
    "mypage",
)
