"""The admin application, with Crisis Desk's admin site (config/admin_site.py) as its site."""

from django.contrib.admin.apps import AdminConfig


class CrisisDeskAdminConfig(AdminConfig):
    default_site = "config.admin_site.AdminSite"
