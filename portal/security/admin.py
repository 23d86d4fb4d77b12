"""No TOTP device pages in the admin (seed 004 第14条: a stolen administrator account must not yield
every staff member's second factor). django-otp's device admin shows a device's secret as a QR code;
devices are enrolled by their owner and removed with `manage.py reset_totp USERNAME`."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
