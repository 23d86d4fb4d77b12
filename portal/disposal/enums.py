from django.db import models


class DisposalMethod(models.TextChoices):
    """How the data was made unrecoverable (seed 004 第10条: 復元又は判読が不可能な方法)."""

    CRYPTO_ERASE = "crypto_erase", "暗号鍵の消去による消去（crypto-erase）＋ファイルの削除"
    OVERWRITE = "overwrite", "上書きによる消去"
    MEDIA_DESTRUCTION = "media_destruction", "記録媒体の物理的な破壊"
    CONTRACTOR_DELETION = "contractor_deletion", "契約相手方による消去（消去の報告により確認）"
