from django import forms
from django.utils import timezone

from files_registry.models import RegisterEntry
from proposals.models import ProposalCall


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ConsultationForm(forms.Form):
    subject = forms.CharField(label="件名", max_length=200)
    call = forms.ModelChoiceField(
        label="対象の募集（任意）", queryset=ProposalCall.objects.none(), required=False, empty_label="指定しない"
    )
    entry = forms.ModelChoiceField(
        label="対象の個人情報ファイル（任意）",
        queryset=RegisterEntry.objects.none(),
        required=False,
        empty_label="指定しない",
    )
    body = forms.CharField(label="相談内容", widget=forms.Textarea(attrs={"rows": 8}), max_length=10_000)
    files = MultipleFileField(label="添付ファイル（任意。PDF、PNG、JPEG。1件10MBまで、5件まで）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = ProposalCall.objects.published().filter(closes_at__gte=timezone.now())
        self.fields["entry"].queryset = RegisterEntry.objects.published().filter(open_for_proposals=True)
        self.fields["entry"].label_from_instance = lambda entry: entry.name


class ReplyForm(forms.Form):
    body = forms.CharField(label="本文", widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000)
    files = MultipleFileField(label="添付ファイル（任意）", required=False)
