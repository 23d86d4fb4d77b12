from django.urls import path

from portal.security import views

app_name = "security"

urlpatterns = [
    path("totp/enrol/", views.totp_enrol, name="totp_enrol"),
]
