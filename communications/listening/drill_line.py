"""The line between a rehearsal and reality, for what the brand says and hears.

A drill incident speaks only about its drill: it never answers or takes a real customer's
post, and a real incident never speaks from a drill account or answers a drill's scripted
post. The composer, linking a mention, and the last gate before publishing all ask here.
"""

from django.utils.translation import gettext as _

from communications.accounts.models import SocialAccount
from communications.listening.models import InboundPost
from incidents.models import Incident
from incidents.rehearsals import is_rehearsal


def drill_line_crossed(
    *,
    incident: Incident,
    account: SocialAccount | None = None,
    mention: InboundPost | None = None,
) -> str | None:
    """Why the incident may not use this account or this mention (None: it may)."""
    drill = is_rehearsal(incident)
    if account is not None and is_rehearsal(account) and not drill:
        return _("%(account)s is a drill account: it speaks only for its drill.") % {
            "account": account
        }
    if mention is None:
        return None
    if drill and not is_rehearsal(mention):
        return _(
            "%(reference)s is a drill: it never answers or takes a real post (from @%(who)s)."
        ) % {"reference": incident.reference, "who": mention.author_handle}
    if is_rehearsal(mention) and not drill:
        return _(
            "The post from @%(who)s is part of a drill: only its drill incident may answer or "
            "take it."
        ) % {"who": mention.author_handle}
    return None
