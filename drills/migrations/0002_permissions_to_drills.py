"""The drills' permissions follow their models (0001): a drill's content type moves from teams
(teams.drill) and a run's from communications (communications.drillrun) to the drills, so
every permission, with everyone and every group holding it, becomes the drills' one
(teams.change_drill is drills.change_drill now) and nobody loses a right. The admin's history
of those rows moves along.

Where the drills' content type exists already (permissions created for the drills' state
before this ran), the holders of each old permission are given the new one before the old one
goes.
"""

from typing import Any

from django.db import migrations

MOVED = [("teams", "drill"), ("communications", "drillrun")]


def _move(apps: Any, source: str, target: str, model: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = ContentType.objects.filter(app_label=source, model=model).first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label=target, model=model).first()
    if new is None:
        old.app_label = target
        old.save(update_fields=["app_label"])
        return
    for permission in Permission.objects.filter(content_type=old):
        twin = Permission.objects.filter(content_type=new, codename=permission.codename).first()
        if twin is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
            continue
        twin.user_set.add(*permission.user_set.all())
        twin.group_set.add(*permission.group_set.all())
        permission.delete()
    try:
        LogEntry = apps.get_model("admin", "LogEntry")
    except LookupError:
        pass
    else:
        LogEntry.objects.filter(content_type=old).update(content_type=new)
    old.delete()


def forwards(apps: Any, schema_editor: Any) -> None:
    for source, model in MOVED:
        _move(apps, source, "drills", model)
    apps.get_model("contenttypes", "ContentType").objects.clear_cache()


def backwards(apps: Any, schema_editor: Any) -> None:
    for source, model in MOVED:
        _move(apps, "drills", source, model)
    apps.get_model("contenttypes", "ContentType").objects.clear_cache()


class Migration(migrations.Migration):
    dependencies = [
        ("drills", "0001_initial"),
        ("teams", "0018_drills_to_drills"),
        ("communications", "0018_drill_runs_to_drills"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
