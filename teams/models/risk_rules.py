"""How a risk is rated: the score is likelihood x impact on the usual 5 x 5 scale, and the
score falls in one band. Pages, the API and the heat map all ask here."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

SCALE = range(1, 6)


@dataclass(frozen=True)
class Band:
    name: str
    label: Any  # lazily translated
    lowest: int  # the smallest score in the band


# Low 1-4, medium 5-9, high 10-16, critical 20-25 (no product of 1-5 lies in 17-19).
BANDS = (
    Band("critical", _("Critical"), 20),
    Band("high", _("High"), 10),
    Band("medium", _("Medium"), 5),
    Band("low", _("Low"), 1),
)


def risk_score(likelihood: int, impact: int) -> int:
    if likelihood not in SCALE or impact not in SCALE:
        raise ValueError("likelihood and impact are 1 to 5")
    return likelihood * impact


def risk_band(score: int) -> Band:
    """The band of a score from 1 to 25."""
    if not 1 <= score <= 25:
        raise ValueError("a score is 1 to 25")
    return next(band for band in BANDS if score >= band.lowest)


# A risk realised by this many incidents or more keeps happening: the register says so.
KEEPS_HAPPENING = 2


def keeps_happening(realised: int) -> bool:
    return realised >= KEEPS_HAPPENING


def band_range(name: str) -> tuple[int, int]:
    """The lowest and highest score of a band, by its name."""
    ordered = sorted(BANDS, key=lambda band: band.lowest)
    for index, band in enumerate(ordered):
        if band.name == name:
            upper = ordered[index + 1].lowest - 1 if index + 1 < len(ordered) else 25
            return band.lowest, upper
    raise ValueError(f"no band named {name}")
