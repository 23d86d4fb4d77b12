"""Forms of the source-file screen (admin): the upload, checked by its content, and the destruction.

The upload is checked where it lies (Django's temporary upload file, or memory for small files) and read
in chunks: nothing here writes a copy of the plaintext (seed 004 第17条・第18条).
"""

import codecs
import io
import re
import zipfile
from pathlib import PurePath

import filetype
from django import forms
from django.conf import settings

from files_registry.models import RegisterEntry
from portal.accounts.roles import organizations_managed_by

FORMATS = {".csv": "CSV", ".xlsx": "Excel（.xlsx）", ".parquet": "Parquet"}
ACCEPTED = "CSV（UTF-8 または Shift_JIS）、Excel（.xlsx）、Parquet"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected Office files
_ZIP = b"PK\x03\x04"
_PARQUET = b"PAR1"


def _name(upload) -> str:
    return PurePath(getattr(upload, "name", "") or "file").name[:200]


def _mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):,.0f} MB" if limit >= 1024 * 1024 else f"{limit:,} バイト"


def _head_and_tail(upload) -> tuple[bytes, bytes]:
    head = upload.read(8192)
    upload.seek(max(upload.size - 8, 0))
    tail = upload.read(8)
    upload.seek(0)
    return head, tail


# Control characters other than tab and line ends, and what cp932 makes of bytes it has no character for
# (0x80, 0xA0, 0xFD-0xFF): text that holds them was not written in that encoding.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\uf8f0-\uf8f3]")


def _decodes(upload, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        for chunk in upload.chunks():
            if _NOT_TEXT.search(decoder.decode(chunk)):
                return False
        if _NOT_TEXT.search(decoder.decode(b"", final=True)):
            return False
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _has_nul(upload) -> bool:
    try:
        return any(b"\x00" in chunk for chunk in upload.chunks())
    finally:
        upload.seek(0)


def _check_csv(upload, name: str, head: bytes) -> str:
    kind = filetype.guess(head)
    if kind is not None or head.startswith((_OLE, _ZIP, _PARQUET)) or _has_nul(upload):
        raise forms.ValidationError(
            f"「{name}」の内容はCSV（テキスト）ではありません。{ACCEPTED}のいずれかにしてください。"
        )
    if _decodes(upload, "utf-8"):
        return "CSV（UTF-8）"
    # Shift_JIS as Windows writes it (cp932: the NEC and IBM extensions included).
    if _decodes(upload, "cp932"):
        return "CSV（Shift_JIS）"
    raise forms.ValidationError(
        f"「{name}」の文字コードを読み取れません。UTF-8 又は Shift_JIS で保存したCSVにしてください。"
    )


def _check_xlsx(upload, name: str, head: bytes) -> str:
    if head.startswith(_OLE):
        raise forms.ValidationError(
            f"「{name}」はパスワードで保護されたファイル又は古い形式（.xls）です。"
            "保護を解除し .xlsx で保存してください。"
        )
    try:
        if not head.startswith(_ZIP):
            raise zipfile.BadZipFile
        # Only the directory is read (no member is extracted).
        names = set(zipfile.ZipFile(upload).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        names = set()
    finally:
        upload.seek(0)
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise forms.ValidationError(
            f"「{name}」の内容は Excel（.xlsx）ではありません。正しい形式で保存し直してください。"
        )
    return "Excel（.xlsx）"


def _check_parquet(upload, name: str, head: bytes, tail: bytes) -> str:
    import pyarrow.parquet

    error = forms.ValidationError(
        f"「{name}」は Parquet として読み込めません。ファイルが壊れていないか確認してください。"
    )
    if not (head.startswith(_PARQUET) and tail.endswith(_PARQUET)):
        raise error
    try:
        # The footer (schema, row groups) only; the data pages are not read.
        source = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else io.BytesIO(upload.read())
        pyarrow.parquet.ParquetFile(source).metadata  # noqa: B018 - reading it is the check
    except Exception:
        raise error from None
    finally:
        upload.seek(0)
    return "Parquet"


def inspect_source_upload(upload, *, max_bytes: int) -> str:
    """Check a source file by its content; returns the format's label or raises ValidationError (Japanese).

    Accepted: CSV in UTF-8 or Shift_JIS (cp932), Excel .xlsx, Parquet; the extension must agree with
    the content. Empty files and files over `max_bytes` are refused.
    """
    name = _name(upload)
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        raise forms.ValidationError(f"「{name}」は登録できない形式です。{ACCEPTED}のいずれかにしてください。")
    if not upload.size:
        raise forms.ValidationError(f"「{name}」は空のファイルです。")
    if upload.size > max_bytes:
        raise forms.ValidationError(f"「{name}」が大きすぎます（上限 {_mb(max_bytes)}）。")
    head, tail = _head_and_tail(upload)
    if suffix == ".csv":
        return _check_csv(upload, name, head)
    if suffix == ".xlsx":
        return _check_xlsx(upload, name, head)
    return _check_parquet(upload, name, head, tail)


class SourceFileUploadForm(forms.Form):
    entry = forms.ModelChoiceField(
        label="個人情報ファイル",
        queryset=RegisterEntry.objects.none(),
        empty_label="選択してください",
        error_messages={
            "required": "個人情報ファイルを選択してください。",
            "invalid_choice": "管理する個人情報ファイルから選択してください。",
        },
    )
    file = forms.FileField(
        label="原データのファイル",
        help_text=f"{ACCEPTED}。登録すると暗号化して保管され、この画面から内容を読むことはできません。",
        error_messages={"required": "ファイルを選択してください。", "empty": "空のファイルは登録できません。"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the entries of the organizations the user manages (seed 004 第5条).
        self.fields["entry"].queryset = (
            RegisterEntry.objects.filter(organization__in=organizations_managed_by(user))
            .select_related("organization")
            .order_by("register_number")
        )
        self.fields["entry"].label_from_instance = lambda entry: f"{entry.register_number}　{entry.name}"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.format_label = inspect_source_upload(upload, max_bytes=settings.SOURCE_FILE_MAX_BYTES)
        return upload


class SourceFileDestroyForm(forms.Form):
    reason = forms.CharField(
        label="消去の理由",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="消去証明書に記載されます（例：保有期間の満了、提案募集の対象からの除外）。",
        error_messages={"required": "消去の理由を入力してください。"},
    )
    confirm = forms.BooleanField(
        label="この原データを復元できない方法で消去することを確認しました。",
        error_messages={"required": "消去することを確認してください。"},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("消去の理由を入力してください。")
        return reason
