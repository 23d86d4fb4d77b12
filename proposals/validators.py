"""Validators for the identifiers proposers give (Japanese formats)."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.jp import cn


def normalize_digits(value: str) -> str:
    """Full-width digits and hyphens to ASCII, spaces removed (１２３－４ → 123-4)."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value or "")).replace("ー", "-").replace("―", "-")


def validate_corporate_number(value: str) -> None:
    """法人番号: 13 digits whose first digit is the check digit (python-stdnum jp.cn)."""
    if not value:
        return
    try:
        cn.validate(normalize_digits(value))
    except StdnumValidationError:
        raise ValidationError(
            "法人番号が正しくありません（13桁の数字で、先頭のチェックデジットが一致する必要があります）。"
        ) from None


_POSTAL = re.compile(r"^\d{3}-?\d{4}$")


def validate_postal_code(value: str) -> None:
    if not _POSTAL.match(normalize_digits(value)):
        raise ValidationError("郵便番号は「100-8926」の形式で入力してください。")
