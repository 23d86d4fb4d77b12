from django import forms


class TOTPConfirmForm(forms.Form):
    otp_token = forms.CharField(
        label="確認コード（認証アプリの6桁）",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
