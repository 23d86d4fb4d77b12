import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from portal.upload_temp import upload_temp_sweep_at_start  # noqa: E402 - needs the settings loaded above

# seed 004 第17条: plaintext spool files of uploads cut off by a crash are removed at start.
upload_temp_sweep_at_start("web")
