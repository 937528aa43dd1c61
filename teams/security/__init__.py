"""Signing in safely: the second step (an authenticator app's code, or a recovery code), setting
it up, managing it, API tokens, the login lockout's page and the password-reset limit.

Who must use a second factor is ``config.permissions.needs_two_factor``; the checks every page
and the admin apply are in ``config.two_factor``. Laid out like an app: selectors, services,
forms, views, urls.
"""
