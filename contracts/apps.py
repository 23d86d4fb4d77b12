from django.apps import AppConfig


class ContractsConfig(AppConfig):
    """Contract applications, fees and payments, usage contracts, cancellations, reports, deliveries."""

    name = "contracts"
    verbose_name = "契約"
