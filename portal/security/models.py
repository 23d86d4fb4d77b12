"""Which sessions belong to which user, so that they can all be ended (seed 004 第21条)."""

from django.conf import settings
from django.db import models


class UserSession(models.Model):
    """One signed-in session of a user; rows go when the session ends (sign-out, timeout, disabling).

    Django's session store cannot be searched by user, so the key is kept here at sign-in. A row whose
    session has already expired is harmless: ending it deletes nothing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="利用者", on_delete=models.CASCADE, related_name="tracked_sessions"
    )
    session_key = models.CharField("セッションキー", max_length=64, unique=True)
    created_at = models.DateTimeField("サインイン日時", auto_now_add=True)

    class Meta:
        verbose_name = "サインイン中のセッション"
        verbose_name_plural = "サインイン中のセッション"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user_id}:{self.created_at:%Y-%m-%d %H:%M}"
