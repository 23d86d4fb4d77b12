from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """Incidents (事案, seed 004 第25条–第28条) and outsourcing with its yearly inspections (委託, 第26条)."""

    name = "portal.compliance"
    label = "compliance"
    verbose_name = "事案・業務の委託"

    def ready(self) -> None:
        from portal.compliance.report import register_audit_sections

        register_audit_sections()
