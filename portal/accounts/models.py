"""Staff accounts and the agency's organizations."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Organization(models.Model):
    """An organization of the agency (局・課室) that runs personal information files.

    Object permissions on an organization (django-guardian) decide which staff manage its files:
    see portal.accounts.roles.
    """

    name = models.CharField("組織の名称", max_length=200, unique=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("所在地", max_length=300, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "組織"
        verbose_name_plural = "組織"
        ordering = ["name"]
        permissions = [("manage_files", "この組織の個人情報ファイルを管理する")]

    def __str__(self) -> str:
        return self.name

    @property
    def name_and_address(self) -> str:
        """The organization as the register prints it: （名称）… （所在地）〒… ."""
        location = " ".join(
            part for part in (f"〒{self.postal_code}" if self.postal_code else "", self.address) if part
        )
        return f"（名称）{self.name}\n（所在地）{location}" if location else f"（名称）{self.name}"


class User(AbstractUser):
    """A person who signs in: agency staff (is_staff) or, later, a proposer."""

    organization = models.ForeignKey(
        Organization,
        verbose_name="所属組織",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )

    class Meta(AbstractUser.Meta):
        verbose_name = "利用者"
        verbose_name_plural = "利用者"

    @property
    def display_name(self) -> str:
        full = f"{self.last_name} {self.first_name}".strip()
        return full or self.username
