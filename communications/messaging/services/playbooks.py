"""Writing a playbook with its words: the playbook's version (teams.playbooks) and the
approved templates it offers in the composer, in one transaction. A change of templates alone
is a new version too, so an incident's playbook keeps offering what it offered."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from communications.messaging.models import Template
from config.errors import ApplicationError
from config.people import User
from teams.models import Playbook, PlaybookVersion
from teams.playbooks import selectors as playbook_selectors
from teams.playbooks.services import UNCHANGED, playbook_archive, playbook_save

MAX_TEMPLATES = 20


def _template_ids(templates: Iterable[Template]) -> set[int]:
    templates = list(dict.fromkeys(templates))
    if len(templates) > MAX_TEMPLATES:
        raise ApplicationError(
            _("At most %(count)d templates.") % {"count": MAX_TEMPLATES}, field="templates"
        )
    for template in templates:
        if not isinstance(template, Template):
            raise ApplicationError(_("Choose templates from the list."), field="templates")
        if not template.is_approved:
            raise ApplicationError(
                _("“%(name)s” is not approved: a playbook offers approved templates only.")
                % {"name": template.name},
                field="templates",
            )
    return {template.pk for template in templates}


@transaction.atomic
def playbook_write(
    *,
    actor: User,
    playbook: Playbook | None = None,
    templates: Iterable[Template] = UNCHANGED,
    archived: bool | None = None,
    **fields: Any,
) -> PlaybookVersion:
    """Write a playbook or its next version (``fields`` as teams.playbooks.services
    .playbook_save takes them) with the templates it offers (approved ones only; left out,
    the current version's are kept), and archive or restore it when ``archived`` is given."""
    current = playbook_selectors.playbook_current(playbook) if playbook is not None else None
    offered = set(current.templates.values_list("pk", flat=True)) if current else set()
    wanted = offered if templates is UNCHANGED else _template_ids(templates)
    version = playbook_save(
        actor=actor, playbook=playbook, also_changed=wanted != offered, **fields
    )
    if current is None or version.pk != current.pk:
        version.templates.set(wanted)
    if archived is not None:
        playbook_archive(actor=actor, playbook=version.playbook, archived=archived)
    return version
