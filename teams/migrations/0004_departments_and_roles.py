from django.db import migrations

from teams.catalogue import roles_ensure

DEPARTMENTS = [
    ("Communications", "Press office, social media, brand."),
    ("Legal", "Legal counsel and compliance."),
    ("Customer care", "Call centre, support and complaints."),
    ("Security and IT", "Information security, IT operations."),
    ("Executive", "Leadership and the board."),
    ("Product", "Product management, quality and operations."),
    ("Human resources", "People, internal communication with staff."),
]


def create(apps, schema_editor):
    Department = apps.get_model("teams", "Department")
    for name, description in DEPARTMENTS:
        Department.objects.get_or_create(name=name, defaults={"description": description})
    roles_ensure(apps)


class Migration(migrations.Migration):
    """The departments and the role catalogue a crisis team starts from (admins edit them)."""

    dependencies = [("teams", "0003_people_roles_stakeholders_notifications")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
