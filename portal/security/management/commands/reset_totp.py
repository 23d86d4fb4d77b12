"""manage.py reset_totp USERNAME: a staff member lost their authenticator; they enrol anew at next sign-in."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.audit.signals import outside_request
from portal.security.sessions import user_sessions_end
from portal.security.totp import totp_devices_reset


class Command(BaseCommand):
    help = "Remove a staff member's TOTP devices and end their sessions (seed 004 第11条)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_staff:
            raise CommandError(f"No staff account named {username!r}.")
        with transaction.atomic():
            removed = totp_devices_reset(user=user)
            # seed 004 第12条・第14条: a second factor removed is a privilege change, on the record with who ran it.
            access_record(
                actor=None,
                action=AccessAction.CHANGE,
                result=AccessResult.SUCCESS,
                obj=user,
                detail={"privilege": "second_factor", "devices_removed": removed, **outside_request()},
            )
        user_sessions_end(user=user)
        self.stdout.write(f"{username}: 認証アプリの登録を解除しました。次回のサインイン時に登録し直します。")
