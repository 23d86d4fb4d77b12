from django import forms
from django.conf import settings


class RegisterImportForm(forms.Form):
    file = forms.FileField(
        label="取り込むファイル",
        help_text="個人情報ファイル簿のCSV（UTF-8 または Shift_JIS）、Excel（.xlsx）、JSON。"
        "公開ページからダウンロードした形式と同じ列で作成してください。",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.REGISTER_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"ファイルが大きすぎます（上限 {limit // (1024 * 1024)} MB）。")
        return upload
