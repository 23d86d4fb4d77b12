from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse

from portal.notifications import notify


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form (same answer whether or not the address exists), sending through the
    outbox so a mail outage never loses or breaks it; the link is never listed on /mypage/."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        notify(
            user=context["user"],
            template="password_reset",
            context={"reset_url": f"{context['protocol']}://{context['domain']}{path}"},
            email=to_email,
            listed=False,
        )
