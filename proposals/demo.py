"""Demo data for the proposal procedure: an open call and two proposers (idempotent)."""

import datetime

from django.db import transaction
from django.utils import timezone

from files_registry.models import RegisterEntry
from portal.accounts.models import User
from portal.jdates import fiscal_year, fiscal_year_label
from proposals.enums import ProposerKind
from proposals.models import ProposalCall, Proposer, ProposerOfficer
from proposals.services.calls import guideline_defaults

# A valid 法人番号 for the demo corporation (check digit per python-stdnum's jp.cn).
DEMO_CORPORATE_NUMBER = "5835678256246"


@transaction.atomic
def seed_calls(*, actor) -> int:
    """An open call of the current fiscal year over every file open for proposals."""
    now = timezone.localtime()
    opens = (now - datetime.timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    year = fiscal_year(opens.date())
    call = ProposalCall.objects.filter(title__startswith=f"{fiscal_year_label(year)} 第1回").first()
    if call is None:
        call = ProposalCall(
            title=f"{fiscal_year_label(year)} 第1回 行政機関等匿名加工情報の提案の募集",
            fiscal_year=year,
            opens_at=opens,
            closes_at=opens + datetime.timedelta(days=59, hours=23, minutes=59, seconds=59),
            guidelines_published_at=opens - datetime.timedelta(days=14),
            **{**guideline_defaults(), "contact": "個人情報保護試験室 電話 03-0000-0000"},
        )
        call._history_user = actor
        call.full_clean(exclude=["entries"])
        call.save()
    call.entries.set(RegisterEntry.objects.filter(open_for_proposals=True, published=True))
    return ProposalCall.objects.count()


def _account(email: str, password: str) -> User:
    user = User.objects.filter(username=email).first() or User(username=email, email=email)
    user.is_active = True
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def seed_proposers(*, password: str) -> list[str]:
    """An individual and a corporation with an officer, ready to propose; returns their logins."""
    individual = _account("proposer@example.jp", password)
    Proposer.objects.update_or_create(
        user=individual,
        defaults={
            "kind": ProposerKind.INDIVIDUAL,
            "name": "提案 花子",
            "name_kana": "テイアン ハナコ",
            "postal_code": "100-0001",
            "address": "東京都千代田区千代田1-1",
            "phone": "03-1234-5678",
            "date_of_birth": datetime.date(1985, 5, 5),
        },
    )
    corporate = _account("corp@example.jp", password)
    company, _ = Proposer.objects.update_or_create(
        user=corporate,
        defaults={
            "kind": ProposerKind.CORPORATION,
            "name": "株式会社データ活用研究所",
            "name_kana": "カブシキガイシャデータカツヨウケンキュウジョ",
            "postal_code": "150-0002",
            "address": "東京都渋谷区渋谷2-24-12",
            "phone": "03-9876-5432",
            "corporate_number": DEMO_CORPORATE_NUMBER,
            "representative_title": "代表取締役",
            "representative_name": "活用 一郎",
            "contact_department": "データ戦略部",
            "contact_name": "分析 次郎",
        },
    )
    ProposerOfficer.objects.update_or_create(
        proposer=company,
        name="活用 一郎",
        defaults={"name_kana": "カツヨウ イチロウ", "title": "代表取締役", "date_of_birth": datetime.date(1970, 1, 20)},
    )
    return [individual.username, corporate.username]
