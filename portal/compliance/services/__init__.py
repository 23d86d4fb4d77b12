"""Writes of the compliance app, one module per area; everything is importable from here
(`from portal.compliance import services; services.incident_report(...)`)."""

from portal.compliance.services.common import NOT_ALLOWED, ComplianceError
from portal.compliance.services.incidents import (
    INCIDENT_EDITABLE,
    escalation_recipients,
    incident_move,
    incident_open_from_report,
    incident_report,
    incident_step_check,
    incident_step_record,
    incident_update,
)
from portal.compliance.services.inspections import (
    dataset_correction_complete,
    dataset_correction_record,
    inspection_record,
    inspection_report,
)
from portal.compliance.services.outsourcing import (
    OUTSOURCING_EDITABLE,
    clause_set,
    outsourcing_create,
    outsourcing_inspection_record,
    outsourcing_move,
    outsourcing_save,
    subcontracting_approve,
    subcontracting_move,
)

__all__ = [
    "INCIDENT_EDITABLE",
    "NOT_ALLOWED",
    "OUTSOURCING_EDITABLE",
    "ComplianceError",
    "clause_set",
    "dataset_correction_complete",
    "dataset_correction_record",
    "escalation_recipients",
    "incident_move",
    "incident_open_from_report",
    "incident_report",
    "incident_step_check",
    "incident_step_record",
    "incident_update",
    "inspection_record",
    "inspection_report",
    "outsourcing_create",
    "outsourcing_inspection_record",
    "outsourcing_move",
    "outsourcing_save",
    "subcontracting_approve",
    "subcontracting_move",
]
