"""django-axes hooks: the client address as the access records read it (one rule for both)."""

from django.conf import settings

from portal.audit.services import client_ip


def axes_client_ip(request) -> str:
    return client_ip(request.META, trusted_proxy_count=settings.AUDIT_TRUSTED_PROXY_COUNT) or ""
