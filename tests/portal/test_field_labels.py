"""Every field of the project's models carries a Japanese label: the admin and the model forms show
verbose_name, and the UI speaks Japanese (a field added without one shows English such as "Contract:")."""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from simple_history.models import HistoricalChanges

from anonymizer import services
from tests.contracts.helpers import concluded_contract
from tests.factories.anonymizer import prepare_entry

PROJECT_APPS = {
    "portal",
    "accounts",
    "audit",
    "disposal",
    "security",
    "compliance",
    "files_registry",
    "proposals",
    "contracts",
    "anonymizer",
}


def _project_app_labels() -> set[str]:
    """The apps whose code lives in this repository (not in the virtualenv), found from their paths."""
    base = str(settings.BASE_DIR)
    return {
        config.label
        for config in apps.get_app_configs()
        if config.path.startswith(base) and "site-packages" not in config.path
    }


def _project_models() -> list:
    """The project's models, less simple_history's historical copies: their copied fields take the label of
    the tracked model's field (checked there), and their history_* fields are the library's own."""
    return [
        model
        for label in sorted(_project_app_labels())
        for model in apps.get_app_config(label).get_models()
        if not issubclass(model, HistoricalChanges)
    ]


def _labelled_fields(model) -> list:
    """Concrete and many-to-many fields declared on the model (reverse relations and the auto `id` excluded)."""
    return [
        field
        for field in model._meta.get_fields()
        if not field.auto_created and (field.concrete or field.many_to_many) and field.name != "id"
    ]


def ascii_labels(model) -> list[str]:
    """`app.Model.field` for each field of `model` whose verbose_name, in Japanese, is ASCII only."""
    with translation.override("ja"):
        return [
            f"{model._meta.label}.{field.name}: {field.verbose_name}"
            for field in _labelled_fields(model)
            if str(field.verbose_name).isascii()
        ]


def test_the_check_covers_every_project_app():
    # Found from the code's location, so an app added later is checked without being listed here.
    found = _project_app_labels()

    assert PROJECT_APPS - found == set()
    assert found & {"admin", "auth", "simple_history", "axes"} == set()


def test_every_field_of_a_project_model_has_a_japanese_label():
    offenders = [label for model in _project_models() for label in ascii_labels(model)]

    assert offenders == []


def test_every_project_model_has_a_japanese_name():
    with translation.override("ja"):
        offenders = [
            model._meta.label
            for model in _project_models()
            if str(model._meta.verbose_name).isascii() or str(model._meta.verbose_name_plural).isascii()
        ]

    assert offenders == []


def test_the_check_finds_an_ascii_label():
    # simple_history's own fields (history_date …) have English labels: the check must name them.
    historical = apps.get_model("contracts", "HistoricalFeeSchedule")

    found = ascii_labels(historical)

    assert "contracts.HistoricalFeeSchedule.history_date: history date" in found


@pytest.mark.django_db
def test_the_dataset_job_page_labels_its_fields_in_japanese(client, chief_manager, protection_manager):
    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager)
    job = services.job_for_contract(contract=contract)
    client.force_login(protection_manager)

    page = client.get(reverse("admin:anonymizer_datasetjob_change", args=[job.pk])).content.decode()
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", page)

    assert {"利用契約:", "原データ:"} <= set(labels)
    assert [label for label in labels if label.isascii() and label.strip()] == []
