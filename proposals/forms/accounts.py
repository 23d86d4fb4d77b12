from django import forms
from django.contrib.auth import password_validation
from django.forms import inlineformset_factory

from proposals.enums import ProposerKind
from proposals.models import Proposer, ProposerOfficer
from proposals.validators import normalize_digits


class RegistrationForm(forms.Form):
    email = forms.EmailField(label="メールアドレス", max_length=254, help_text="確認のためのメールを送信します。")
    password1 = forms.CharField(
        label="パスワード",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="12文字以上で、推測されにくいものにしてください。",
    )
    password2 = forms.CharField(
        label="パスワード（確認）", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "パスワードが一致しません。")
        if first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProposerForm(forms.ModelForm):
    # Wider than the stored 13 digits: people type hyphens, spaces and full-width digits.
    corporate_number = forms.CharField(label="法人番号（13桁）", max_length=30, required=False)
    postal_code = forms.CharField(label="郵便番号", max_length=10)

    class Meta:
        model = Proposer
        fields = [
            "kind",
            "name",
            "name_kana",
            "postal_code",
            "address",
            "phone",
            "date_of_birth",
            "corporate_number",
            "representative_title",
            "representative_name",
            "contact_department",
            "contact_name",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ProposerKind.choices  # no blank radio button

    def clean_corporate_number(self):
        return normalize_digits(self.cleaned_data.get("corporate_number", "")).replace("-", "")

    def clean_postal_code(self):
        return normalize_digits(self.cleaned_data.get("postal_code", ""))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ProposerKind.CORPORATION:
            cleaned["date_of_birth"] = None
        return cleaned


OfficerFormSet = inlineformset_factory(
    Proposer,
    ProposerOfficer,
    fields=["title", "name", "name_kana", "date_of_birth"],
    widgets={"date_of_birth": forms.DateInput(attrs={"type": "date"})},
    extra=1,
    can_delete=True,
)
