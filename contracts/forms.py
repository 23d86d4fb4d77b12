"""Forms of the contractor's pages (/mypage/contracts/)."""

from django import forms

from contracts.enums import ReportKind


class ApplicationForm(forms.Form):
    document = forms.FileField(
        label="署名した契約の締結の申込書（PDF）",
        required=False,
        help_text="審査結果通知書に同封の申込書に記名・押印又は署名したものをPDFで添付してください。",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    confirm_online = forms.BooleanField(
        label="申込書の添付に代えて、オンラインで契約の締結を申し込みます（申込書の記載事項を確認しました）。",
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("document") and not cleaned.get("confirm_online"):
            raise forms.ValidationError("申込書（PDF）を添付するか、オンラインで申し込む旨を確認してください。")
        return cleaned


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label="報告の種類", choices=ReportKind.choices)
    occurred_on = forms.DateField(
        label="対象期間の末日・発生日・削除日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    body = forms.CharField(label="報告の内容", widget=forms.Textarea(attrs={"rows": 8}))
    attachment = forms.FileField(label="添付書類（PDF・PNG・JPEG、任意）", required=False)
