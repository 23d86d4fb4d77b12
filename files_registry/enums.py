from django.db import models


class FileType(models.TextChoices):
    """個人情報ファイルの種別 (法第60条第2項)."""

    COMPUTER = "computer", "電算処理ファイル（法第60条第2項第1号）"
    MANUAL = "manual", "マニュアル処理ファイル（法第60条第2項第2号）"


class EligibilityCondition(models.TextChoices):
    """The three conditions of a file offered for proposals (seed 000 ①②③; 法60条3項各号).

    The register records that a file meeting them is open for proposals (法110).
    """

    REGISTERED = "registered", "①個人情報ファイル簿に掲載された個人情報ファイルであること"
    DISCLOSABLE = "disclosable", "②情報公開請求があれば全部又は一部を開示するものであること"
    PROCESSABLE = "processable", "③行政の適正かつ円滑な運営に支障のない範囲内で加工が可能であること"


class RegisterSort(models.TextChoices):
    """Orders the public list offers (value = the ORM ordering behind it)."""

    NUMBER = "number", "整理番号順"
    NAME = "name", "名称順"
    UPDATED = "updated", "更新の新しい順"
