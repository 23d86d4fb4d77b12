"""The public register's search form: every value comes from the query string, so URLs can be shared.

Values that do not validate (unknown choices, over-long or NUL-carrying text) are reported on the
form and left out of the filtering; they never cause an error page.
"""

import django_filters
from django import forms
from django.db.models import QuerySet

from files_registry import search
from files_registry.enums import FileType, RegisterSort
from portal.accounts.models import Organization
from portal.widgets import PlainSelect

_SORT_ORDERING = {
    RegisterSort.NUMBER: ("register_number",),
    RegisterSort.NAME: ("name", "register_number"),
    RegisterSort.UPDATED: ("-updated_at", "register_number"),
}
_YES_NO_CHOICES = [("", "指定なし"), ("true", "あり"), ("false", "なし")]


def _boolean_select() -> forms.Select:
    return PlainSelect(choices=_YES_NO_CHOICES)


class SearchTextField(forms.CharField):
    def validate(self, value: str) -> None:
        super().validate(value)
        terms = search.search_terms(value)
        if len(terms) > search.MAX_TERMS:
            raise forms.ValidationError(f"検索語は{search.MAX_TERMS}語までにしてください。")
        if any(len(term) > search.MAX_TERM_LENGTH for term in terms):
            raise forms.ValidationError(f"検索語は1語{search.MAX_TERM_LENGTH}文字以内にしてください。")


class SearchTextFilter(django_filters.CharFilter):
    field_class = SearchTextField


class RegisterEntryFilter(django_filters.FilterSet):
    q = SearchTextFilter(label="キーワード", method="filter_text", max_length=300)
    organization = django_filters.ModelChoiceFilter(
        label="組織",
        queryset=Organization.objects.all(),
        to_field_name="name",
        empty_label="すべての組織",
        widget=PlainSelect,
    )
    file_type = django_filters.ChoiceFilter(
        label="ファイルの種別", choices=FileType.choices, empty_label="すべて", widget=PlainSelect
    )
    open = django_filters.BooleanFilter(
        label="提案募集の対象", field_name="open_for_proposals", widget=_boolean_select()
    )
    datasets = django_filters.BooleanFilter(
        label="作成された行政機関等匿名加工情報", field_name="has_datasets", widget=_boolean_select()
    )
    sensitive = django_filters.BooleanFilter(
        label="要配慮個人情報", field_name="contains_sensitive_information", widget=_boolean_select()
    )
    sort = django_filters.ChoiceFilter(
        label="並び順", choices=RegisterSort.choices, method="filter_sort", empty_label=None, widget=PlainSelect
    )

    class Meta:
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.filter_by_terms(queryset, search.search_terms(value))

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied last, in filter_queryset, so that it holds with no other filter

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort") or RegisterSort.NUMBER
        return queryset.order_by(*_SORT_ORDERING[RegisterSort(sort)])
