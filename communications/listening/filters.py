"""The alert filters, shared by the alerts page and the list endpoint; and the volume query's
parameters, checked once for the endpoint the charts read."""

from datetime import UTC, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communications.accounts.models import SocialAccount, WatchTerm
from communications.listening.models import Alert
from teams.models import Risk

from .selectors import BUCKET_SIZES

MAX_POINTS = 10_000  # a 30-day range in 5-minute buckets is 8,640
# The series has no posts before 2000; a range is read with the weeks before it, which must
# still be a date (the first moments of the calendar are not).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class AlertFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Alert.Status.choices, empty_label=_("Any status"), label=_("Status")
    )
    account = django_filters.ModelChoiceFilter(
        queryset=SocialAccount.objects.order_by("handle"),
        empty_label=_("Any account"),
        label=_("Account"),
    )

    class Meta:
        model = Alert
        fields = ["status", "account"]


class VolumeQuery(forms.Form):
    """?account=&term=&risk=&since=&until=&bucket=: the account's series, or one of its watch
    terms', or its posts using a risk's watch terms (the risk register's early warning); the
    range defaults to the last 24 hours, the bucket to 5 minutes; at most MAX_POINTS buckets
    are read at once."""

    account = forms.ModelChoiceField(queryset=SocialAccount.objects.all())
    term = forms.ModelChoiceField(queryset=WatchTerm.objects.all(), required=False)
    risk = forms.ModelChoiceField(queryset=Risk.objects.all(), required=False)
    since = forms.DateTimeField(required=False)
    until = forms.DateTimeField(required=False)
    bucket = forms.TypedChoiceField(
        choices=[(str(size), str(size)) for size in BUCKET_SIZES],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        term = data.get("term")
        if term is not None and term.account_id != data["account"].pk:
            raise forms.ValidationError(
                {"term": _("That watch term is not one of the account's.")}, code="invalid"
            )
        risk = data.get("risk")
        if risk is not None and term is not None:
            raise forms.ValidationError(
                {"risk": _("Ask for a watch term's series or a risk's, not both.")},
                code="invalid",
            )
        if risk is not None and not risk.terms:
            raise forms.ValidationError(
                {"risk": _("That risk has no watch terms to listen for.")}, code="invalid"
            )
        for name in ("since", "until"):
            moment = data.get(name)
            if moment is not None and not EARLIEST <= moment <= LATEST:
                raise forms.ValidationError(
                    {name: _("Give a time between 2000 and 2100.")}, code="invalid"
                )
        until = data.get("until") or timezone.now()
        since = data.get("since") or until - timedelta(days=1)
        if since >= until:
            raise forms.ValidationError(
                {"since": _("Give a start before the end (until).")}, code="invalid"
            )
        minutes = data.get("bucket") or 5
        if (until - since) / timedelta(minutes=minutes) > MAX_POINTS:
            raise forms.ValidationError(
                {
                    "bucket": _(
                        "That range in %(minutes)d-minute buckets is more than %(max)d points: "
                        "choose larger buckets or a shorter range."
                    )
                    % {"minutes": minutes, "max": MAX_POINTS}
                },
                code="invalid",
            )
        data.update(since=since, until=until, bucket=minutes)
        return data
