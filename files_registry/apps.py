from django.apps import AppConfig


class FilesRegistryConfig(AppConfig):
    name = "files_registry"
    verbose_name = "個人情報ファイル簿"

    def ready(self):
        from files_registry.models import SourceFile
        from portal.key_rotation import encrypted_model_register

        encrypted_model_register(SourceFile)  # seed 004 第18条: rotate_master_key re-wraps its data keys
