"""The postmortem's two charts as SVG, drawn on the server from its facts: mention volume per
hour during the incident, and the image recovery (mentions per day before, during and after,
against the pre-crisis baseline).

The same string goes into the page and into the PDF, so it keeps to what both allow: no style
attributes and no <style> element (the pages' CSP forbids them), only SVG presentation
attributes; text in ``currentColor`` so it follows the page's colour mode. The phases differ
by shade and pattern as well as colour, so a black-and-white print still tells them apart. The
output depends only on the facts (and the active language and timezone): the same facts draw
the same bytes.
"""

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .measures import HourVolume, ImageRecovery, Phase

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 34, 40
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
# More hours than this are drawn a few hours to a bar, so a bar stays wide enough to see.
MAX_BARS = 240
X_LABELS = 6
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'

# Light, hatched, dark: apart in colour and in grey.
BEFORE_FILL = "#c5ccd3"
DURING_LINE = "#842029"
DURING_BACKGROUND = "#f5d0d4"
AFTER_FILL = "#1f4e79"
VOLUME_FILL = "#495057"
BASELINE_STROKE = "#212529"
MARK_STROKE = "#146c43"


def _n(value: float) -> str:
    """A coordinate, short and always written the same way."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _nice_top(peak: float) -> tuple[float, float]:
    """The top of the value axis and the step between its gridlines (1, 2 or 5 times a
    power of ten)."""
    if peak <= 0:
        return 1.0, 1.0
    rough = peak / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    step = max(step, 1.0)
    return math.ceil(peak / step) * step, step


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _parse_time(value: str) -> datetime:
    return timezone.localtime(datetime.fromisoformat(value))


def _svg_open(chart_id: str, title: str, summary: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="postmortem-chart" id="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(summary)}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f"{FONT}>",
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]


def _value_axis(top: float, step: float) -> list[str]:
    parts = []
    value = 0.0
    while value <= top + 1e-9:
        y = TOP + PLOT_HEIGHT - value / top * PLOT_HEIGHT
        parts.append(
            f'<line x1="{LEFT}" y1="{_n(y)}" x2="{WIDTH - RIGHT}" y2="{_n(y)}" '
            f'stroke="currentColor" stroke-opacity="0.15" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{_n(y + 3.5)}" font-size="10" text-anchor="end" '
            f'fill="currentColor">{_count(value)}</text>'
        )
        value += step
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + PLOT_HEIGHT}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + PLOT_HEIGHT}" stroke="currentColor" stroke-width="1"/>'
    )
    return parts


def _time_labels(labels: list[str]) -> list[str]:
    """Up to X_LABELS labels under the bars, evenly spread, the first and last included."""
    count = len(labels)
    if not count:
        return []
    every = max(1, math.ceil(count / X_LABELS))
    chosen = sorted({*range(0, count, every), count - 1})
    if len(chosen) > 1 and chosen[-1] - chosen[-2] < every / 2:
        chosen.pop(-2)
    slot = PLOT_WIDTH / count
    parts = []
    for index in chosen:
        x = LEFT + slot * (index + 0.5)
        anchor = (
            "start" if index == 0 and count > 1 else ("end" if index == count - 1 else "middle")
        )
        if count == 1:
            anchor = "middle"
        x = LEFT if anchor == "start" else (WIDTH - RIGHT if anchor == "end" else x)
        parts.append(
            f'<text x="{_n(x)}" y="{TOP + PLOT_HEIGHT + 16}" font-size="10" '
            f'text-anchor="{anchor}" fill="currentColor">{escape(labels[index])}</text>'
        )
    return parts


def _empty(chart_id: str, title: str, message: str) -> SafeString:
    parts = _svg_open(chart_id, title, message)
    parts.append(
        f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" font-size="13" text-anchor="middle" '
        f'fill="currentColor">{escape(message)}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)


def _hourly(volume: Iterable[HourVolume]) -> tuple[list[datetime], list[int], int]:
    """Every hour from the first mention to the last (quiet hours as 0), grouped a few hours to
    a bar when there are more than MAX_BARS; returns the bars' start times, their counts and
    the hours a bar spans."""
    counts: dict[datetime, int] = {}
    for row in volume:
        hour = _parse_time(row["at"]).replace(minute=0, second=0, microsecond=0)
        counts[hour] = counts.get(hour, 0) + row["count"]
    if not counts:
        return [], [], 1
    first, last = min(counts), max(counts)
    hours = int((last - first).total_seconds() // 3600) + 1
    span = max(1, math.ceil(hours / MAX_BARS))
    starts, values = [], []
    for index in range(0, hours, span):
        start = first + timedelta(hours=index)
        starts.append(start)
        values.append(
            sum(counts.get(start + timedelta(hours=h), 0) for h in range(min(span, hours - index)))
        )
    return starts, values, span


def volume_chart(volume: list[HourVolume] | None, *, chart_id: str = "pm-volume") -> SafeString:
    """Bars of the incident's mentions per hour (the facts' ``mention_volume``)."""
    starts, values, span = _hourly(volume or [])
    title = (
        _("Mentions per hour") if span == 1 else _("Mentions per %(hours)d hours") % {"hours": span}
    )
    if not starts:
        return _empty(chart_id, title, _("No mentions were linked to this incident."))
    peak_index = max(range(len(values)), key=lambda i: (values[i], -i))
    summary = _(
        "%(title)s, %(start)s to %(end)s: %(total)s mentions, the most (%(peak)s) in the bar "
        "from %(peak_at)s."
    ) % {
        "title": title,
        "start": dateformat.format(starts[0], "j M H:i"),
        "end": dateformat.format(starts[-1] + timedelta(hours=span), "j M H:i"),
        "total": _count(sum(values)),
        "peak": _count(values[peak_index]),
        "peak_at": dateformat.format(starts[peak_index], "j M H:i"),
    }
    top, step = _nice_top(max(values))
    slot = PLOT_WIDTH / len(values)
    gap = min(2.0, slot * 0.2)
    parts = _svg_open(chart_id, title, summary)
    parts.append(
        f'<text x="{LEFT}" y="16" font-size="12" font-weight="bold" '
        f'fill="currentColor">{escape(title)}</text>'
    )
    parts += _value_axis(top, step)
    for index, (start, value) in enumerate(zip(starts, values, strict=True)):
        if not value:
            continue
        height = value / top * PLOT_HEIGHT
        label = f"{dateformat.format(start, 'j M H:i')}: {_count(value)}"
        parts.append(
            f'<rect x="{_n(LEFT + slot * index + gap / 2)}" y="{_n(TOP + PLOT_HEIGHT - height)}" '
            f'width="{_n(slot - gap)}" height="{_n(height)}" fill="{VOLUME_FILL}">'
            f"<title>{escape(label)}</title></rect>"
        )
    parts += _time_labels([dateformat.format(start, "j M H:i") for start in starts])
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)


def _phase_defs(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{DURING_BACKGROUND}"/>'
        f'<path d="M0,6 L6,0 M-1.5,1.5 L1.5,-1.5 M4.5,7.5 L7.5,4.5" stroke="{DURING_LINE}" '
        'stroke-width="1.6"/></pattern></defs>'
    )


def _phase_fill(chart_id: str, phase: Phase) -> str:
    if phase == "during":
        return f'fill="url(#{chart_id}-hatch)" stroke="{DURING_LINE}" stroke-width="0.8"'
    return f'fill="{AFTER_FILL if phase == "after" else BEFORE_FILL}"'


def _legend(chart_id: str) -> list[str]:
    entries: list[tuple[Phase, str]] = [
        ("before", _("Before (baseline days)")),
        ("during", _("During the incident")),
        ("after", _("After")),
    ]
    parts, x = [], float(LEFT)
    for phase, label in entries:
        fill = _phase_fill(chart_id, phase)
        parts.append(f'<rect x="{_n(x)}" y="{TOP - 14}" width="12" height="10" {fill}/>')
        parts.append(
            f'<text x="{_n(x + 16)}" y="{TOP - 5}" font-size="10" '
            f'fill="currentColor">{escape(label)}</text>'
        )
        x += 24 + 6 * len(label)
    parts.append(
        f'<line x1="{_n(x)}" y1="{TOP - 9}" x2="{_n(x + 20)}" y2="{TOP - 9}" '
        f'stroke="{BASELINE_STROKE}" stroke-width="1.5" stroke-dasharray="5 3"/>'
    )
    parts.append(
        f'<text x="{_n(x + 24)}" y="{TOP - 5}" font-size="10" '
        f'fill="currentColor">{escape(_("Baseline"))}</text>'
    )
    return parts


def recovery_chart(recovery: ImageRecovery | None, *, chart_id: str = "pm-recovery") -> SafeString:
    """Bars of mentions per day (the facts' ``image_recovery``): the baseline days before
    detection, the incident, the days after; the baseline as a dashed line and the first day
    back within it marked."""
    days = recovery["days"] if recovery else []
    title = _("Image recovery: mentions per day")
    if not recovery or not days:
        return _empty(chart_id, title, _("No mention volume recorded around this incident."))
    baseline = float(recovery["baseline"])
    back = recovery["back_within_baseline"]
    values = [row["count"] for row in days]
    labels = [dateformat.format(date.fromisoformat(row["day"]), "j M") for row in days]
    back_index = next((i for i, row in enumerate(days) if row["day"] == back), None)
    back_text = (
        _("back within the baseline on %(day)s") % {"day": labels[back_index]}
        if back_index is not None
        else _("not back within the baseline yet")
    )
    summary = _(
        "%(title)s, %(start)s to %(end)s. Baseline %(baseline)s a day; the most in a day "
        "%(peak)s; %(back)s."
    ) % {
        "title": title,
        "start": labels[0],
        "end": labels[-1],
        "baseline": _count(baseline),
        "peak": _count(max(values)),
        "back": back_text,
    }
    top, step = _nice_top(max(max(values), baseline))
    slot = PLOT_WIDTH / len(values)
    gap = min(2.0, slot * 0.2)

    def y_of(value: float) -> float:
        return TOP + PLOT_HEIGHT - value / top * PLOT_HEIGHT

    parts = _svg_open(chart_id, title, summary)
    parts.append(_phase_defs(chart_id))
    parts += _legend(chart_id)
    parts += _value_axis(top, step)
    for index, (row, value) in enumerate(zip(days, values, strict=True)):
        height = value / top * PLOT_HEIGHT
        parts.append(
            f'<rect x="{_n(LEFT + slot * index + gap / 2)}" y="{_n(y_of(value))}" '
            f'width="{_n(slot - gap)}" height="{_n(height)}" '
            f"{_phase_fill(chart_id, row['phase'])}>"
            f"<title>{escape(f'{labels[index]}: {_count(value)}')}</title></rect>"
        )
    parts.append(
        f'<line class="baseline" x1="{LEFT}" y1="{_n(y_of(baseline))}" x2="{WIDTH - RIGHT}" '
        f'y2="{_n(y_of(baseline))}" stroke="{BASELINE_STROKE}" stroke-width="1.5" '
        f'stroke-dasharray="5 3"/>'
    )
    if back_index is not None:
        x = LEFT + slot * (back_index + 0.5)
        anchor = "end" if x > LEFT + PLOT_WIDTH * 0.7 else "start"
        text_x = x - 4 if anchor == "end" else x + 4
        parts.append(
            f'<line class="back-within-baseline" x1="{_n(x)}" y1="{TOP}" x2="{_n(x)}" '
            f'y2="{TOP + PLOT_HEIGHT}" stroke="{MARK_STROKE}" stroke-width="2"/>'
        )
        parts.append(
            f'<path d="M{_n(x - 5)},{TOP} L{_n(x + 5)},{TOP} L{_n(x)},{TOP + 8} Z" '
            f'fill="{MARK_STROKE}"/>'
        )
        parts.append(
            f'<text x="{_n(text_x)}" y="{TOP + 20}" font-size="10" text-anchor="{anchor}" '
            f'fill="currentColor">{escape(_("Back within baseline"))}</text>'
        )
    parts += _time_labels(labels)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)
