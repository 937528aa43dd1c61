"""Times in words, for the pages, the exports and the drill findings."""

from django.utils.translation import gettext as _


def duration_words(seconds: float | str | None, *, to_the_second: bool = False) -> str:
    """Seconds in words: 5400 → "1 h 30 min", 40 → "40 s", none → "—". ``to_the_second`` (a
    drill's times, a few seconds apart at 20× speed): 190 → "3 min 10 s", 3600 → "1 h", and
    no days."""
    if seconds is None or seconds == "":
        return "—"
    total = round(float(seconds))
    days, rest = (0, total) if to_the_second else divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        if to_the_second and not minutes:
            return _("%(h)d h") % {"h": hours}
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if minutes:
        if to_the_second and secs:
            return _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}
        return _("%(m)d min") % {"m": minutes}
    return _("%(s)d s") % {"s": secs}
