"""Checks of what a person names in a message, shared by the composer and the API."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from communications.messaging.services.messages import POST_URL

from .models import Message

# A post id is stored in a column of this length (reply_to_post_id, quote_post_id).
POST_ID_MAX_LENGTH = Message._meta.get_field("reply_to_post_id").max_length or 40
# An id or a link to the post, as a person pastes it.
POST_REFERENCE_MAX_LENGTH = 300


def validate_post_reference(value: str) -> None:
    """A post given by its id or its link: the id in ASCII digits, short enough to store."""
    value = (value or "").strip()
    if not value:
        return
    match = POST_URL.match(value)
    post_id = match.group(1) if match else value
    if not (post_id.isascii() and post_id.isdigit()):
        raise ValidationError(
            _("Give a post id or a link like https://x.com/handle/status/123."), code="invalid"
        )
    if len(post_id) > POST_ID_MAX_LENGTH:
        raise ValidationError(
            _("A post id has at most %(count)d digits."),
            code="max_length",
            params={"count": POST_ID_MAX_LENGTH},
        )
