"""Staff roles (GLOSSARY) as groups, with their model permissions in one explicit table.

Model permissions say what kind of object a role may touch at all; which objects it may touch
goes through django-guardian object permissions (least privilege, seed 004 第5条・第14条).
Later capabilities add rows here and grants in their services, nothing else.
"""

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm


class StaffRole(models.TextChoices):
    CHIEF_MANAGER = "chief_manager", "総括管理者"
    PROTECTION_MANAGER = "protection_manager", "保護管理者"
    PROTECTION_OFFICER = "protection_officer", "保護担当者"
    AUDIT_OFFICER = "audit_officer", "監査責任者"
    SCREENER = "screener", "審査担当者"
    APPROVER = "approver", "決裁者"


_REGISTER_READ = [
    "files_registry.view_registerentry",
    "files_registry.view_recordeditem",
    "files_registry.view_anonymizeddatasetsummary",
    "files_registry.view_anonymizeddatasetsummaryitem",
    "files_registry.view_historicalregisterentry",
    "accounts.view_organization",
]

_PROPOSALS_READ = [
    "proposals.view_proposalcall",
    "proposals.view_proposal",
    "proposals.view_proposer",
    "proposals.view_consultation",
    "proposals.view_disqualificationrecord",
]
_CONSULTATION_ANSWER = ["proposals.answer_consultation"]
# Access records are read-only for everyone (seed 004 第12条); reviewing an alert is the one change.
_ACCESS_RECORDS_READ = ["audit.view_accessrecord", "audit.view_accessarchive", "audit.view_accessalert"]

# Screening (審査, 法114). Which screenings a screener sees is the object permission
# proposals.screen_screening, granted on assignment; overseers see every screening.
_SCREENING_READ = [
    "proposals.view_screening",
    "proposals.view_screeningassignment",
    "proposals.view_criterionrecord",
    "proposals.view_resultnotice",
    "proposals.view_resultnoticedocument",
]
_SCREENING_OVERSEE = [*_SCREENING_READ, "proposals.oversee_screening", "proposals.view_screeningpolicy"]
_FEES_READ = ["contracts.view_feeschedule"]
# Usage contracts (法115・法119・法120): reading them, and the staff writes (each checked again by its service).
_CONTRACTS_READ = [
    "contracts.view_contract",
    "contracts.view_contracttransition",
    "contracts.view_creationhourslog",
    "contracts.view_payment",
    "contracts.view_cancellation",
    "contracts.view_contractreport",
]
_CONTRACTS_WORK = [
    "contracts.add_creationhourslog",
    "contracts.fix_fee_contract",
    "contracts.add_payment",
    "contracts.conclude_contract",
]
# Source files of register entries (seed 004 第5条・第18条): the metadata, an upload, the crypto-erase
# ("delete" = destroy with a disposal certificate, 第10条); which entries is the object permission
# accounts.manage_files. Nobody reads the data through the admin.
_SOURCE_FILES_UPLOAD = ["files_registry.view_sourcefile", "files_registry.add_sourcefile"]
# Disposal certificates (消去証明, 第10条) are read-only for everyone: disposal.services writes them.
_DISPOSALS_READ = ["disposal.view_disposalcertificate"]

# Incidents (事案, seed 004 第27条第1項): every staff member who learns of one reports it at once; which
# incidents a person sees is compliance.selectors.incidents_for_user (organization, own reports).
_INCIDENTS_REPORT = [
    "compliance.add_incident",
    "compliance.view_incident",
    "compliance.view_incidentstep",
    "compliance.view_incidentescalation",
    "compliance.view_incidenttransition",
]
# 第27条第2項–第5項・第28条: the protection manager (and the chief manager) records the response.
_INCIDENTS_MANAGE = [*_INCIDENTS_REPORT, "compliance.change_incident", "compliance.add_incidentstep"]
# Outsourcing (委託, 第26条): clauses, re-contracting approvals, yearly inspections.
_OUTSOURCING_READ = [
    "compliance.view_outsourcing",
    "compliance.view_outsourcingclause",
    "compliance.view_outsourcingtransition",
    "compliance.view_subcontracting",
    "compliance.view_subcontractingclause",
    "compliance.view_subcontractingtransition",
    "compliance.view_outsourcinginspection",
]
_OUTSOURCING_MANAGE = [
    *_OUTSOURCING_READ,
    "compliance.add_outsourcing",
    "compliance.change_outsourcing",
    "compliance.change_outsourcingclause",
    "compliance.add_subcontracting",
    "compliance.change_subcontracting",
    "compliance.change_subcontractingclause",
    "compliance.add_outsourcinginspection",
]
# The protection managers' inspections (点検, 第30条・第13条・第17条第2項) and the corrections of delivered
# datasets (誤りの訂正等, 第8条): which ones is compliance.selectors (organization).
_INSPECTIONS_READ = ["compliance.view_inspection", "compliance.view_datasetcorrection"]
_INSPECTIONS_MANAGE = [
    *_INSPECTIONS_READ,
    "compliance.add_inspection",
    "compliance.change_inspection",
    "compliance.add_datasetcorrection",
    "compliance.change_datasetcorrection",
]
_INSPECTIONS_OVERSEE = ["compliance.oversee_inspection", "compliance.oversee_datasetcorrection"]

# The anonymizer (issue 5): jobs and datasets are followed by the managers; the processing standard
# (加工基準) and the processing secrets (加工方法等情報, seed 002 3-3) belong to the file's protection
# managers only — which files is the object permission accounts.manage_files, checked by the services.
_DATASETS_READ = [
    "anonymizer.view_datasetjob",
    "anonymizer.view_anonymizeddataset",
    "anonymizer.view_processingprofile",
    "anonymizer.view_processingsecret",
]
_DATASETS_WORK = ["anonymizer.cancel_datasetjob", "anonymizer.run_datasetjob"]
_PROCESSING_STANDARD = [
    "anonymizer.add_processingprofile",
    "anonymizer.change_processingprofile",
    "anonymizer.read_processingsecret",
    "anonymizer.dispose_dataset",
]

# role -> model permissions ("app_label.codename"). Change only with the regulation in hand.
ROLE_PERMISSIONS: dict[StaffRole, list[str]] = {
    StaffRole.CHIEF_MANAGER: [
        *_INCIDENTS_MANAGE,
        *_OUTSOURCING_MANAGE,
        *_INSPECTIONS_MANAGE,
        *_INSPECTIONS_OVERSEE,
        "compliance.oversee_incident",
        "compliance.oversee_outsourcing",
        *_REGISTER_READ,
        "files_registry.add_registerentry",
        "files_registry.change_registerentry",
        "files_registry.delete_registerentry",
        "files_registry.import_registerentry",
        "files_registry.confirm_eligibility",
        "files_registry.add_recordeditem",
        "files_registry.change_recordeditem",
        "files_registry.delete_recordeditem",
        "accounts.add_organization",
        "accounts.change_organization",
        *_PROPOSALS_READ,
        *_CONSULTATION_ANSWER,
        "proposals.add_proposalcall",
        "proposals.change_proposalcall",
        "proposals.publish_proposalcall",
        "proposals.add_correctionrequest",
        "proposals.add_disqualificationrecord",
        "proposals.change_disqualificationrecord",
        *_ACCESS_RECORDS_READ,
        "audit.review_accessalert",
        *_SCREENING_OVERSEE,
        "proposals.assign_screening",
        "proposals.change_screeningpolicy",
        *_FEES_READ,
        "contracts.add_feeschedule",
        "contracts.change_feeschedule",
        *_CONTRACTS_READ,
        *_CONTRACTS_WORK,
        # 法120: only the chief manager records a cancellation (and with it the disqualification).
        "contracts.add_cancellation",
        *_DATASETS_READ,
        *_DATASETS_WORK,
        "files_registry.view_sourcefile",
        *_DISPOSALS_READ,
    ],
    # Protection managers and officers edit the entries of their own organizations only:
    # the admin checks the object permission accounts.manage_files on the entry's organization.
    StaffRole.PROTECTION_MANAGER: [
        *_INCIDENTS_MANAGE,
        *_OUTSOURCING_MANAGE,
        *_INSPECTIONS_MANAGE,
        *_REGISTER_READ,
        *_PROPOSALS_READ,
        *_ACCESS_RECORDS_READ,
        "audit.review_accessalert",
        *_CONSULTATION_ANSWER,
        "proposals.add_correctionrequest",
        "files_registry.add_registerentry",
        "files_registry.import_registerentry",
        "files_registry.confirm_eligibility",
        "files_registry.add_recordeditem",
        "files_registry.change_recordeditem",
        "files_registry.delete_recordeditem",
        *_SCREENING_OVERSEE,
        "proposals.assign_screening",
        *_FEES_READ,
        *_CONTRACTS_READ,
        *_CONTRACTS_WORK,
        *_SOURCE_FILES_UPLOAD,
        "files_registry.delete_sourcefile",
        *_DATASETS_READ,
        *_DATASETS_WORK,
        *_PROCESSING_STANDARD,
        *_DISPOSALS_READ,
    ],
    StaffRole.PROTECTION_OFFICER: [
        *_INCIDENTS_REPORT,
        *_REGISTER_READ,
        *_PROPOSALS_READ,
        *_CONSULTATION_ANSWER,
        "files_registry.add_recordeditem",
        "files_registry.change_recordeditem",
        "files_registry.delete_recordeditem",
        *_SOURCE_FILES_UPLOAD,
    ],
    StaffRole.AUDIT_OFFICER: [
        *_INCIDENTS_REPORT,
        *_OUTSOURCING_READ,
        *_INSPECTIONS_READ,
        *_INSPECTIONS_OVERSEE,
        "compliance.oversee_incident",
        "compliance.oversee_outsourcing",
        *_REGISTER_READ,
        *_PROPOSALS_READ,
        *_ACCESS_RECORDS_READ,
        *_SCREENING_OVERSEE,
        *_FEES_READ,
        *_CONTRACTS_READ,
        *_DATASETS_READ,
        *_DISPOSALS_READ,
    ],
    # A screener sees proposals only through the screenings assigned to them (no global view_proposal);
    # asking for a correction of those goes through the screening page (services.screening).
    StaffRole.SCREENER: [
        *_INCIDENTS_REPORT,
        "files_registry.view_registerentry",
        "files_registry.view_recordeditem",
        *_SCREENING_READ,
        *_FEES_READ,
    ],
    # 法114: the approver decides; never on a screening they took part in (checked by the service).
    StaffRole.APPROVER: [
        *_INCIDENTS_REPORT,
        "files_registry.view_registerentry",
        "files_registry.view_recordeditem",
        *_PROPOSALS_READ,
        *_SCREENING_OVERSEE,
        "proposals.approve_screening",
        *_FEES_READ,
    ],
}

# Roles whose holders manage the files of the organizations they are granted.
ORGANIZATION_MANAGING_ROLES = (StaffRole.PROTECTION_MANAGER, StaffRole.PROTECTION_OFFICER)
# Roles that oversee every organization (read; their writes are still checked by each service).
OVERSEEING_ROLES = (StaffRole.CHIEF_MANAGER, StaffRole.AUDIT_OFFICER)
# seed 004 第29条: the audit officer audits and reports to the chief manager; both open the period report
# (portal/audit/reports.py). A role check, not a model permission: the report belongs to no model.
AUDIT_REPORT_ROLES = (StaffRole.AUDIT_OFFICER, StaffRole.CHIEF_MANAGER)


def role_group(role: StaffRole) -> Group:
    group, _ = Group.objects.get_or_create(name=role.label)
    return group


@transaction.atomic
def roles_sync() -> None:
    """Create the role groups and set each one's model permissions to exactly the table above.

    Idempotent; runs after every migrate. Permissions not (yet) installed are skipped.
    """
    for role, names in ROLE_PERMISSIONS.items():
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        role_group(role).permissions.set(wanted)


def roles_sync_after_migrate(sender, **kwargs) -> None:
    # post_migrate fires once per app that has models; permissions of every app exist only after
    # the last of them.
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender.label == with_models[-1].label:
        roles_sync()


def user_has_role(user, role: StaffRole) -> bool:
    return user.is_active and user.groups.filter(name=role.label).exists()


def organization_grant_manager(*, user, organization) -> None:
    """Let `user` manage the files of `organization` (object permission accounts.manage_files)."""
    assign_perm("accounts.manage_files", user, organization)


def organization_revoke_manager(*, user, organization) -> None:
    remove_perm("accounts.manage_files", user, organization)


def organizations_managed_by(user):
    """The organizations whose files `user` manages: those granted to them one by one (object permission).

    seed 004 第14条: a superuser account is for set-up only and manages no organization's files (it
    reads no source file, processing secret or dataset and disposes of nothing); give the person a staff
    account with a role instead. No global grant either (第5条 least privilege): guardian's
    with_superuser=False also ignores global permissions.
    """
    from portal.accounts.models import Organization

    if not user.is_active or user.is_superuser:
        return Organization.objects.none()
    return get_objects_for_user(
        user, "accounts.manage_files", klass=Organization, accept_global_perms=False, with_superuser=False
    )


def user_oversees(user) -> bool:
    """True for an active chief manager or audit officer (they see every organization's records)."""
    return user.is_active and user.groups.filter(name__in=[role.label for role in OVERSEEING_ROLES]).exists()


def scoped_to_managed(queryset, user, organization_path: str):
    """`queryset` as `user` may see it (seed 004 第5条): everything for an overseer; for anyone else the
    rows whose organization (reached by `organization_path`, e.g. "proposal__entry__organization") they
    manage; nothing for a superuser without a role (第14条)."""
    if user_oversees(user):
        return queryset
    return queryset.filter(**{f"{organization_path}__in": organizations_managed_by(user)})
