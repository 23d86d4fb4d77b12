from django.apps import AppConfig


class AnonymizerConfig(AppConfig):
    """Django side of the anonymizer: jobs, the processing-secret vault, commands.

    The engine (anonymizer/engine/) stays a plain library with no Django import.
    """

    name = "anonymizer"
    verbose_name = "匿名加工"
