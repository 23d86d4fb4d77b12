"""Public pages of the file register: anyone may browse, search and export it."""

from django.core.paginator import Paginator
from django.http import Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from files_registry import exporting
from files_registry.filters import RegisterEntryFilter
from files_registry.models import RegisterEntry
from files_registry.selectors import register_entries_for_export, register_entries_public, register_entry_public

PAGE_SIZE = 20


def _filterset(request, queryset) -> RegisterEntryFilter:
    return RegisterEntryFilter(request.GET or None, queryset=queryset)


def _shareable_query(filterset: RegisterEntryFilter) -> str:
    """The query string of the conditions in force (valid ones only), for links and exports."""
    params = QueryDict(mutable=True)
    if filterset.is_bound and filterset.form.errors is not None:
        for name in filterset.form.cleaned_data:
            value = filterset.form.data.get(name)
            if value:
                params[name] = value
    return params.urlencode()


@require_safe
def register_list(request):
    filterset = _filterset(request, register_entries_public())
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/register_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": _shareable_query(filterset),
            "q_value": (request.GET.get("q") or "")[:300],
        },
    )


@require_safe
def register_detail(request, public_id):
    try:
        entry = register_entry_public(public_id)
    except RegisterEntry.DoesNotExist:
        raise Http404("指定された個人情報ファイル簿は見つかりません。") from None
    return render(request, "registry/register_detail.html", {"entry": entry})


def _export(request, chunks, content_type: str, filename: str):
    entries = exporting.iterate(_filterset(request, register_entries_for_export()).qs)
    response = StreamingHttpResponse(chunks(entries), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def register_export_csv(request):
    return _export(request, exporting.csv_chunks, "text/csv; charset=utf-8", "kojin-joho-file-bo.csv")


@require_safe
def register_export_json(request):
    return _export(request, exporting.json_chunks, "application/json; charset=utf-8", "kojin-joho-file-bo.json")
