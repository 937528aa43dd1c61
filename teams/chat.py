"""What a notification says in a chat channel: Slack- and Teams-compatible JSON whose only
markup and only link are Crisis Desk's own.

Slack and Microsoft Teams both render a top-level "text": Slack as mrkdwn, Teams (connector
cards) as Markdown with some HTML. A notification's title and body carry words Crisis Desk did
not write (a mention's text, its author's handle, an incident's title), so everything either
format reads as markup is made plain before they go in:

- ``&``, ``<``, ``>`` become ``&amp;``, ``&lt;``, ``&gt;``, which both show as the characters:
  no ``<!channel>`` or ``<@U…>`` ping, no ``<url|label>`` link in Slack; no HTML tag, Markdown
  autolink or quote in Teams.
- ``*``, ``_``, ``~`` and the backtick (bold, italic, strike, code in both) and ``[``, ``]``
  (links and images in Teams' Markdown) become characters that look the same: Slack has no
  escape for them. So does a ``#`` that opens a line (a heading in Teams).
- ``@`` is followed by a zero-width space: ``@channel``, ``@here``, ``@everyone`` or a name
  pings nobody on the receivers that read such words (Mattermost, Rocket.Chat, Discord).
- Web addresses are defanged (``https[:]//phish[.]example``): both formats turn a bare address
  into a link, and a link in a message from Crisis Desk is trusted.

The one link is the notification's page on SITE_URL, added here.
"""

import re
from typing import Any

from django.conf import settings

from .models import Notification

LOOK_ALIKES = str.maketrans(
    {
        "*": "\u2217",  # asterisk operator
        "_": "\u02cd",  # modifier letter low macron
        "~": "\u223c",  # tilde operator
        "`": "\u02cb",  # modifier letter grave accent
        "[": "\uff3b",  # fullwidth left square bracket
        "]": "\uff3d",  # fullwidth right square bracket
    }
)
HEADING = re.compile(r"^([ \t]*)#", re.MULTILINE)
AT = re.compile(r"@(?=\w)")
SCHEME = re.compile(r"(?<=[A-Za-z0-9])://")
# A dot between a name and what may be a top-level domain (two letters or more): "phish.example",
# "refund.brand.com"; not "e.g.", "3.5" or a dot before a space.
DOMAIN_DOT = re.compile(r"(?<=[^\W_])\.(?=[^\W\d_]{2})")


def _entities(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def chat_text(value: str) -> str:
    """Text someone else may have written, made plain for Slack's mrkdwn and Teams' Markdown."""
    value = _entities(value).translate(LOOK_ALIKES)
    value = HEADING.sub("\\1\uff03", value)  # fullwidth number sign
    value = AT.sub("@\u200b", value)
    value = SCHEME.sub("[:]//", value)
    return DOMAIN_DOT.sub("[.]", value)


def notification_link(notification: Notification) -> str:
    """The notification's page on Crisis Desk; nothing when its link is not one of our paths."""
    url = notification.url
    if not url.startswith("/"):
        return ""
    return _entities(f"{settings.SITE_URL}{url}")


def webhook_payload(notification: Notification) -> dict[str, Any]:
    """The title in bold, the body, and the link to the notification's page."""
    lines = [f"*{chat_text(notification.title)}*"]
    if notification.body:
        lines.append(chat_text(notification.body))
    link = notification_link(notification)
    if link:
        lines.append(link)
    return {"text": "\n".join(lines)}
