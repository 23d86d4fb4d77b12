"""The compliance admin, one module per area (importing them registers the model admins)."""

from portal.compliance.admin import incidents, inspections, outsourcing  # noqa: F401
