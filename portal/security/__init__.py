"""Authentication and sessions of the portal (seed 004 第11条 認証機能, 第14条, 第21条).

Staff second factor (django-otp TOTP), lockout after repeated failures (django-axes), offline
breached-password check, per-user session tracking, idle and absolute timeouts, no-store headers.
See docs/security.md.
"""
