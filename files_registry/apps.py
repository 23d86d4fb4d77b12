from django.apps import AppConfig


class FilesRegistryConfig(AppConfig):
    name = "files_registry"
    verbose_name = "個人情報ファイル簿"
