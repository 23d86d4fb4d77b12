"""Models of the compliance app; see each module."""

from portal.compliance.models.incidents import Incident, IncidentEscalation, IncidentStep, IncidentTransition
from portal.compliance.models.inspections import DatasetCorrection, Inspection
from portal.compliance.models.outsourcing import (
    ClauseCheck,
    Outsourcing,
    OutsourcingClause,
    OutsourcingInspection,
    OutsourcingTransition,
    Subcontracting,
    SubcontractingClause,
    SubcontractingTransition,
)

__all__ = [
    "ClauseCheck",
    "DatasetCorrection",
    "Incident",
    "IncidentEscalation",
    "IncidentStep",
    "IncidentTransition",
    "Inspection",
    "Outsourcing",
    "OutsourcingClause",
    "OutsourcingInspection",
    "OutsourcingTransition",
    "Subcontracting",
    "SubcontractingClause",
    "SubcontractingTransition",
]
