"""The period of the audit report (seed 004 第29条): Japan-time dates, both included, at most one year."""

import datetime

from django import forms
from django.core.exceptions import ValidationError

OUTPUTS = (("html", "画面に表示"), ("pdf", "PDF"), ("csv", "CSV（ZIP）"))
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2099, 12, 31)

_DATE_ERRORS = {
    "required": "日付を入力してください。",
    "invalid": "日付を「2026-06-01」の形式で正しく入力してください。",
}


def _one_year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: a year later is 1 March
        return datetime.date(day.year + 1, 3, 1)


class ReportPeriodForm(forms.Form):
    start = forms.DateField(
        label="期間の開始日", error_messages=_DATE_ERRORS, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="期間の終了日", error_messages=_DATE_ERRORS, widget=forms.DateInput(attrs={"type": "date"})
    )
    output = forms.ChoiceField(
        label="出力",
        choices=OUTPUTS,
        required=False,
        error_messages={"invalid_choice": "出力の形式は「画面に表示」「PDF」「CSV（ZIP）」から選んでください。"},
    )

    def _clean_day(self, name: str) -> datetime.date:
        day = self.cleaned_data[name]
        if not EARLIEST <= day <= LATEST:
            raise ValidationError("日付は2000年1月1日から2099年12月31日までの範囲で入力してください。")
        return day

    def clean_start(self):
        return self._clean_day("start")

    def clean_end(self):
        return self._clean_day("end")

    def clean_output(self):
        return self.cleaned_data["output"] or "html"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            return cleaned
        if start > end:
            raise ValidationError("期間の開始日は、終了日と同じ日かそれより前の日にしてください。")
        if end >= _one_year_after(start):
            raise ValidationError("期間は1年以内で指定してください（例：2026年4月1日から2027年3月31日まで）。")
        return cleaned
