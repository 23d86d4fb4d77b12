"""Choices of the contracts app (契約締結の申込み・手数料の納付・利用契約・解除・報告)."""

from django.db import models


class ContractStatus(models.TextChoices):
    APPLIED = "applied", "契約締結の申込み受付"
    PAYMENT_PENDING = "payment_pending", "手数料の納付待ち"
    PAID = "paid", "手数料の納付済み"
    CONCLUDED = "concluded", "契約締結済み"
    EXPIRED = "expired", "利用期間の満了"
    CANCELLED = "cancelled", "契約の解除"


class ApplicationMethod(models.TextChoices):
    UPLOAD = "upload", "署名した申込書の提出（PDF）"
    ONLINE = "online", "オンラインでの申込み（確認）"


class PaymentMethod(models.TextChoices):
    """手数料の納付の方法 (法119, 施行令)."""

    REVENUE_STAMP = "revenue_stamp", "収入印紙"
    PAYMENT_SLIP = "payment_slip", "納付書"
    BANK_TRANSFER = "bank_transfer", "銀行振込"
    ELECTRONIC = "electronic", "電子納付"


class CancellationGround(models.TextChoices):
    """The grounds of 法120 on which the agency may cancel a usage contract."""

    FRAUD = "fraud", "偽りその他不正の手段により契約を締結したとき（法第120条第1号）"
    DISQUALIFIED = "disqualified", "法第113条各号（欠格事由）のいずれかに該当することとなったとき（法第120条第2号）"
    BREACH = "breach", "契約において定められた事項について重大な違反があったとき（法第120条第3号）"


class CreationStatus(models.TextChoices):
    """Where the creation of the dataset stands (the anonymizer's job fills in the rest)."""

    NOT_STARTED = "", "－"
    PENDING = "pending", "作成待ち（作成処理を登録済み）"


class ReportKind(models.TextChoices):
    USAGE = "usage", "利用状況の報告（定期報告）"
    # seed 004 第25条2項: a report that the safe management may be impaired; the managers are told at once.
    INCIDENT = "incident", "漏えい等の事案の報告（適切な管理に支障を及ぼすおそれ）"
    DELETION = "deletion", "利用期間終了後の削除の報告"


class DocumentKind(models.TextChoices):
    APPLICATION = "application", "契約の締結の申込書"
    REPORT = "report", "報告の添付書類"
