from django.urls import path

from files_registry import views

app_name = "registry"

urlpatterns = [
    path("", views.register_list, name="list"),
    path("export.csv", views.register_export_csv, name="export_csv"),
    path("export.json", views.register_export_json, name="export_json"),
    path("<uuid:public_id>/", views.register_detail, name="detail"),
]
