from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    """Proposal calls, proposers, pre-consultation, proposals, screening and result notices."""

    name = "proposals"
    verbose_name = "提案"
