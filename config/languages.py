"""The language a person reads: the one on their profile; on a page without one, the browser's
(Django's LocaleMiddleware, from Accept-Language or the language cookie); where there is no
browser (an email, a chat notification), the site's (settings.LANGUAGE_CODE)."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from config.errors import ApplicationError


def language_named(code: str | None) -> str | None:
    """The code of a language the product speaks ("tr"), or None for an empty or unknown one."""
    return code if code and code in dict(settings.LANGUAGES) else None


def language_require(code: str, *, blank: bool = False) -> str:
    """The code when the product speaks it ("" too when ``blank``: following the browser);
    otherwise an ApplicationError on the field ``language``."""
    if (blank and code == "") or language_named(code):
        return code
    raise ApplicationError(
        _("“%(value)s” is not a language Crisis Desk speaks.") % {"value": code},
        field="language",
    )


def language_said(code: str) -> str:
    """A language's name in the reader's language ("tr" is "Turkish" to an English reader,
    "Türkçe" to a Turkish one); a code Django does not know is said as it is."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def language_of(person: object | None) -> str:
    """The language text written for a person is in: their profile's, else the site's."""
    return language_named(getattr(person, "language", "")) or settings.LANGUAGE_CODE


def lowered(text: object) -> str:
    """A label put in lower case inside a sentence, by the rules of the language being spoken:
    Turkish lowers I to ı and İ to i ("İzleniyor" is "izleniyor", not "i̇zleniyor")."""
    said = str(text)
    if translation.get_language() == "tr":
        said = said.replace("I", "ı").replace("İ", "i")
    return said.lower()
