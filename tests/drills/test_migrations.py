"""The drills took their models from teams (Drill) and communications (DrillRun): drills 0001
and teams 0018 and communications 0018 move them in Django's state only, drills 0002 moves their
permissions. From the schema as it was before, with rows in every moved table and rights held
by a person and by a group, the move keeps every row, every link and every right; and it goes
back the same way."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from drills.models import Drill, DrillRun

pytestmark = pytest.mark.django_db(transaction=True)

LANDED = [("teams", "0017_approvers_short_reason"), ("communications", "0017_the_last_gate")]
BEFORE = [("drills", None), *LANDED]  # the drills not there at all
ADMIN = ("admin", "0003_logentry_add_action_flag_choices")
HELD = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh graph: what is applied now


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def landed_schema_with_rows(*, drills_type_there_already: bool) -> dict[str, int]:
    """Back to the schema before the move; a drill with two participants and its run on a drill
    account, a person holding teams.change_drill, a group holding communications.view_drillrun,
    an admin log line about the drill. Returns their ids."""
    executor = migrate(BEFORE)
    old = executor.loader.project_state([*LANDED, ADMIN]).apps
    User = old.get_model("teams", "User")
    OldGroup = old.get_model("auth", "Group")
    Permission = old.get_model("auth", "Permission")
    ContentType = old.get_model("contenttypes", "ContentType")
    LogEntry = old.get_model("admin", "LogEntry")
    lead = User.objects.create(username="migration-lead")
    coach = User.objects.create(username="migration-coach")
    player = User.objects.create(username="migration-player")
    drill = old.get_model("teams", "Drill").objects.create(
        title="Recall tabletop", scenario="A recall rumour", held_at=HELD, created_by=lead
    )
    drill.participants.set([lead, player])
    account = old.get_model("communications", "SocialAccount").objects.create(
        handle="brand.drill1", is_drill=True
    )
    run = old.get_model("communications", "DrillRun").objects.create(
        drill=drill,
        scenario_name="product_safety_en",
        scenario_text="title: Recall",
        speed=20,
        account=account,
        status="finished",
        posts_played=12,
        started_by=lead,
        finished_by=lead,
        finished_at=HELD,
        report={"summary": {"met": 2, "missed": 1, "not_yet": 0}},
    )
    change_drill = Permission.objects.get(content_type__app_label="teams", codename="change_drill")
    lead.user_permissions.add(change_drill)
    coaches = OldGroup.objects.create(name="Drill coaches")
    coaches.permissions.add(
        Permission.objects.get(content_type__app_label="communications", codename="view_drillrun")
    )
    coach.groups.add(coaches)
    drill_type = ContentType.objects.get(app_label="teams", model="drill")
    log = LogEntry.objects.create(
        user=lead,
        content_type=drill_type,
        object_id=str(drill.pk),
        object_repr=drill.title,
        action_flag=2,
    )
    if drills_type_there_already:
        # The drills' own types and permissions made before 0002 ran (as post_migrate does
        # for a model it has not seen): the holders of the old ones must get these.
        for model in ("drill", "drillrun"):
            made = ContentType.objects.create(app_label="drills", model=model)
            for action in ("add", "change", "delete", "view"):
                Permission.objects.create(
                    content_type=made, codename=f"{action}_{model}", name=f"{action} {model}"
                )
    return {
        "drill": drill.pk,
        "run": run.pk,
        "account": account.pk,
        "lead": lead.pk,
        "coach": coach.pk,
        "player": player.pk,
        "log": log.pk,
    }


@pytest.mark.parametrize("drills_type_there_already", [False, True])
def test_the_move_keeps_every_row_link_and_right(drills_type_there_already):
    ids = landed_schema_with_rows(drills_type_there_already=drills_type_there_already)

    migrate(latest())

    drill = Drill.objects.get(pk=ids["drill"])
    assert (drill.title, drill.held_at, drill.created_by_id) == (
        "Recall tabletop",
        HELD,
        ids["lead"],
    )
    assert {person.pk for person in drill.participants.all()} == {ids["lead"], ids["player"]}
    run = DrillRun.objects.get(pk=ids["run"])
    assert (run.drill_id, run.account_id, run.speed, run.posts_played) == (
        ids["drill"],
        ids["account"],
        20,
        12,
    )
    assert run.report["summary"] == {"met": 2, "missed": 1, "not_yet": 0}
    assert drill.run == run

    User = get_user_model()
    lead = User.objects.get(pk=ids["lead"])
    coach = User.objects.get(pk=ids["coach"])
    assert lead.has_perm("drills.change_drill")
    assert not lead.has_perm("teams.change_drill")
    assert coach.has_perm("drills.view_drillrun")
    assert Group.objects.get(name="Drill coaches").permissions.get().codename == "view_drillrun"

    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    assert LogEntry.objects.get(pk=ids["log"]).content_type.app_label == "drills"
    left = ContentType.objects.filter(model__in=["drill", "drillrun"])
    assert sorted(left.values_list("app_label", "model")) == [
        ("drills", "drill"),
        ("drills", "drillrun"),
    ]


def test_the_move_goes_back_the_same_way():
    ids = landed_schema_with_rows(drills_type_there_already=False)
    migrate(latest())
    executor = migrate(BEFORE)

    old = executor.loader.project_state([*LANDED, ADMIN]).apps
    Permission = old.get_model("auth", "Permission")
    assert old.get_model("teams", "Drill").objects.get(pk=ids["drill"]).participants.count() == 2
    assert old.get_model("communications", "DrillRun").objects.filter(pk=ids["run"]).exists()
    held = Permission.objects.filter(user__pk=ids["lead"]).values_list(
        "content_type__app_label", "codename"
    )
    assert list(held) == [("teams", "change_drill")]
    migrate(latest())
    assert Drill.objects.filter(pk=ids["drill"]).exists()
