"""A register entry ready for the anonymizer: its items are the columns of a synthetic administrative
file (anonymizer.engine.bench: made-up people, valid My Numbers), a processing standard and the file
itself stored encrypted through files_registry.sources; and screening's dry run on it (審査基準③)."""

import copy
import io

import pyarrow.csv as pv
from django.core.files.base import ContentFile

from anonymizer import services
from anonymizer.engine.bench import BENCH_PLAN, generate_admin_table
from anonymizer.models import DryRun, ProcessingProfile
from files_registry.services import entry_set_recorded_items
from files_registry.sources import source_file_latest, source_file_store
from portal.accounts.roles import organization_grant_manager

COLUMNS = list(generate_admin_table(1).column_names)


def profile_plan() -> dict:
    """The benchmark's plan with k = 5 on three quasi-identifiers (passes on a few thousand rows)."""
    plan = copy.deepcopy(BENCH_PLAN)
    plan["name"] = "試験用の加工基準"
    plan["dataset"]["k_anonymity"]["quasi_identifiers"] = ["生年月日", "性別", "住所"]
    for column in plan["columns"]:
        if column["name"] in ("職業", "身長"):
            column["role"] = "attribute"
    return plan


def source_csv(rows: int = 3000, seed: int = 1) -> bytes:
    out = io.BytesIO()
    out.write(b"\xef\xbb\xbf")
    pv.write_csv(generate_admin_table(rows, seed), out)
    return out.getvalue()


def prepare_entry(entry, manager, *, rows: int = 3000, plan: dict | None = None, upload: bool = True):
    """Give `entry` the file's columns as its items, a processing standard and (upload) a source file."""
    entry_set_recorded_items(entry=entry, names=COLUMNS)
    ProcessingProfile.objects.update_or_create(entry=entry, defaults={"plan": plan or profile_plan()})
    organization_grant_manager(user=manager, organization=entry.organization)
    if upload:
        source_file_store(entry=entry, upload=ContentFile(source_csv(rows), name="source.csv"), actor=manager)
    return entry


def request_for(entry, **actions) -> dict:
    """A processing request keeping every item, except `actions` (item name → dict of the request)."""
    items = []
    for item in entry.recorded_items.all():
        wanted = actions.get(item.name, {"action": "keep"})
        items.append({"item": item.pk, "name": item.name, **wanted})
    return {"items": items, "records": {"selection": "all"}}


def dry_run_done(proposal) -> DryRun:
    """Screening's dry run (審査基準③) of the proposal's latest version, with the plan production would use now,
    run by the real service (anonymizer.services.dry_run_execute) on the entry's source file: ~0.1 s on the
    3,000 rows of prepare_entry. An entry without a processing standard or a source file first gets the test
    ones (its items stay as they are), uploaded by a protection manager of its organization."""
    from portal.accounts.roles import StaffRole
    from proposals.models import Proposal
    from tests.factories.accounts import staff_user

    proposal = Proposal.objects.select_related("entry").get(pk=proposal.pk)  # as production reads it
    entry = proposal.entry
    ProcessingProfile.objects.get_or_create(entry=entry, defaults={"plan": profile_plan()})
    if source_file_latest(entry) is None:
        manager = staff_user(StaffRole.PROTECTION_MANAGER, organization=entry.organization)
        source_file_store(entry=entry, upload=ContentFile(source_csv(), name="source.csv"), actor=manager)
    version = proposal.latest_version()
    dry_run = DryRun.objects.create(
        proposal=proposal,
        version_number=version.number if version else 0,
        source_file=source_file_latest(entry),
        plan=services.proposal_plan(proposal).plan,
        requested_by_name="審査 一郎",
    )
    dry_run = services.dry_run_execute(dry_run_id=dry_run.pk)
    assert dry_run.status == "done", dry_run.failure
    return dry_run
