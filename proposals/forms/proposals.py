"""The proposal form, in three parts bound together on one page: the statutory contents, the
processing method item by item, and the disqualification declaration.

Every field is optional here: a draft keeps whatever was entered, and completeness is decided in
one place, proposals.services.proposals.proposal_problems, when the proposal is submitted.
"""

from django import forms

from proposals.disqualification import CORPORATION_GROUNDS, INDIVIDUAL_GROUNDS
from proposals.enums import AttachmentKind, DisqualificationGround, GeneralizationLevel, ItemAction, RecordSelection
from proposals.models import Proposal

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProposalContentsForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = [
            "subject_count",
            "purpose",
            "method",
            "business_content",
            "use_period_start",
            "use_period_end",
            "security_measures",
            "delivery_method",
            "submitted_by_agent",
            "agent_name",
            "agent_address",
        ]
        widgets = {
            "use_period_start": _DATE,
            "use_period_end": _DATE,
            "delivery_method": forms.RadioSelect,
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "method": forms.Textarea(attrs={"rows": 4}),
            "business_content": forms.Textarea(attrs={"rows": 6}),
            "security_measures": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "subject_count": "1,000人以上で、個人情報ファイルの本人の数以下にしてください（法第114条第1項第2号）。",
            "security_measures": "組織的・人的・物理的・技術的な安全管理措置を具体的に記載してください。",
        }

    def __init__(self, *args, existing_dataset: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["delivery_method"].choices = [
            choice for choice in self.fields["delivery_method"].choices if choice[0]
        ]
        if existing_dataset:
            # 法118: a proposal on a created dataset does not state the number of data subjects.
            del self.fields["subject_count"]


class ProcessingForm(forms.Form):
    """One row per recorded item of the file (法112条2項4号), plus which records are wanted."""

    selection = forms.ChoiceField(
        label="対象とするレコード", choices=RecordSelection.choices, required=False, widget=forms.RadioSelect
    )
    sample_rate = forms.DecimalField(
        label="抽出率（例: 0.1）", required=False, min_value=0, max_value=1, decimal_places=4, max_digits=5
    )
    condition = forms.CharField(label="対象とするレコードの条件", required=False, max_length=500)

    def __init__(self, *args, items, **kwargs):
        self.items = list(items)
        super().__init__(*args, **kwargs)
        for item in self.items:
            self.fields[f"item_{item.pk}_action"] = forms.ChoiceField(
                label=f"{item.name}：加工の方法",
                choices=[("", "選択してください"), *ItemAction.choices],
                required=False,
            )
            self.fields[f"item_{item.pk}_level"] = forms.ChoiceField(
                label=f"{item.name}：一般化の単位",
                choices=[("", "－"), *GeneralizationLevel.choices],
                required=False,
            )
            self.fields[f"item_{item.pk}_threshold"] = forms.DecimalField(
                label=f"{item.name}：コーディングの値", required=False, max_digits=12, decimal_places=2
            )

    @staticmethod
    def initial_from(request: dict, items) -> dict:
        initial = {}
        for entry in request.get("items", []):
            for key in ("action", "level", "threshold"):
                if entry.get(key) is not None:
                    initial[f"item_{entry.get('item')}_{key}"] = entry[key]
        records = request.get("records", {})
        initial.update(
            selection=records.get("selection", ""),
            sample_rate=records.get("sample_rate"),
            condition=records.get("condition", ""),
        )
        return initial

    def rows(self):
        """(item, action field, level field, threshold field) for the template's table."""
        return [
            (item, self[f"item_{item.pk}_action"], self[f"item_{item.pk}_level"], self[f"item_{item.pk}_threshold"])
            for item in self.items
        ]

    def request_data(self) -> dict:
        """The structured request from whatever validated (call after is_valid())."""
        data = self.cleaned_data
        rows = []
        for item in self.items:
            action = data.get(f"item_{item.pk}_action")
            if not action:
                continue
            row = {"item": item.pk, "name": item.name, "action": action}
            if action == ItemAction.GENERALIZE and data.get(f"item_{item.pk}_level"):
                row["level"] = data[f"item_{item.pk}_level"]
            threshold = data.get(f"item_{item.pk}_threshold")
            if action in (ItemAction.TOP_CODE, ItemAction.BOTTOM_CODE) and threshold is not None:
                row["threshold"] = int(threshold) if threshold == int(threshold) else float(threshold)
            rows.append(row)
        records = {"selection": data.get("selection") or ""}
        if data.get("sample_rate") is not None:
            records["sample_rate"] = float(data["sample_rate"])
        if data.get("condition"):
            records["condition"] = data["condition"]
        return {"items": rows, "records": records}


_DECLARATION_CHOICES = [("no", "該当しない"), ("yes", "該当する")]


class DeclarationForm(forms.Form):
    """The proposer (and each officer) answers every ground of 法113, one by one."""

    def __init__(self, *args, proposer, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = []
        own = CORPORATION_GROUNDS if proposer.is_corporation else INDIVIDUAL_GROUNDS
        self.people.append(("proposer", proposer.name, [self._field("proposer", ground) for ground in own]))
        if proposer.is_corporation:
            for officer in proposer.officers.all():
                key = f"officer_{officer.pk}"
                label = f"役員：{officer.title} {officer.name}"
                self.people.append((key, label, [self._field(key, ground) for ground in INDIVIDUAL_GROUNDS]))

    def _field(self, person: str, ground: DisqualificationGround) -> str:
        name = f"{person}__{ground.value}"
        self.fields[name] = forms.ChoiceField(
            label=ground.label, choices=_DECLARATION_CHOICES, required=False, widget=forms.RadioSelect
        )
        return name

    def groups(self):
        return [(key, label, [self[name] for name in names]) for key, label, names in self.people]

    @staticmethod
    def initial_from(declarations: dict) -> dict:
        initial = {f"proposer__{g}": "yes" if v else "no" for g, v in declarations.get("proposer", {}).items()}
        for officer_id, answers in declarations.get("officers", {}).items():
            initial.update({f"officer_{officer_id}__{g}": "yes" if v else "no" for g, v in answers.items()})
        return initial

    def declarations(self) -> dict:
        result: dict = {"proposer": {}, "officers": {}}
        for name, value in self.cleaned_data.items():
            if not value:
                continue
            person, ground = name.split("__")
            if person == "proposer":
                result["proposer"][ground] = value == "yes"
            else:
                result["officers"].setdefault(person.removeprefix("officer_"), {})[ground] = value == "yes"
        return result


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="書類の種類", choices=AttachmentKind.choices)
    file = forms.FileField(label="ファイル（PDF、PNG、JPEG。10MBまで）")
