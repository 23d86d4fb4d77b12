from django.apps import AppConfig


class AnonymizerConfig(AppConfig):
    """Django side of the anonymizer: jobs, the processing-secret vault, commands.

    The engine (anonymizer/engine/) stays a plain library with no Django import.
    """

    name = "anonymizer"
    verbose_name = "匿名加工"

    def ready(self):
        from anonymizer.models import DatasetFile, ProcessingSecret
        from portal.key_rotation import encrypted_model_register

        # seed 004 第18条: rotate_master_key re-wraps their data keys
        encrypted_model_register(DatasetFile)
        encrypted_model_register(ProcessingSecret)
