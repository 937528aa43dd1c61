"""The risk register's watch terms feed the listening: a risk's series is the account's stored
posts that use one of its terms, counted as they are read (so a changed term applies to the
whole history), in the volume endpoint and on the risk's page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.listening import selectors
from teams.models import Risk
from teams.risks import services as risk_services
from tests.communications.factories import SandboxAccountFactory
from tests.communications.listening_data import STORM_END, TUESDAY_14, storm

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return SandboxAccountFactory.create(handle="brand", display_name="Brand")


def risk(actor, terms) -> Risk:
    return risk_services.risk_save(
        actor=actor,
        title="A product safety rumour goes viral",
        category="product_quality",
        likelihood=4,
        impact=5,
        owner=actor,
        review_at=timezone.now() + timedelta(days=30),
        watch_terms=terms,
    )


def test_a_risks_series_counts_the_posts_that_use_its_terms_whatever_the_case(manager, account):
    storm(account)  # 60 posts, one every 29 s; every text says "sick"
    other = SandboxAccountFactory.create(handle="other")
    storm(other, first_id=1000)
    sick = risk(manager, ["SICK", "  ", "glass"])
    assert sick.terms == ["SICK", "glass"]
    series = selectors.volume(
        account_id=account.pk, since=TUESDAY_14, until=STORM_END, risk_terms=sick.terms
    )
    # Every text says "sick" (one of them "sick after"): all 60, bucket by bucket.
    assert sum(point["posts"] for point in series) == 60
    assert [point["posts"] for point in series][:2] == [11, 10]
    glass_only = selectors.volume(
        account_id=account.pk, since=TUESDAY_14, until=STORM_END, risk_terms=["glass"]
    )
    assert sum(point["posts"] for point in glass_only) == 0
    batch = selectors.volume(
        account_id=account.pk, since=TUESDAY_14, until=STORM_END, risk_terms=["BATCH 24-117"]
    )
    assert sum(point["posts"] for point in batch) == 40  # two texts in three
    assert selectors.volume(
        account_id=account.pk, since=TUESDAY_14, until=STORM_END, risk_terms=[]
    ) == selectors.volume(
        account_id=account.pk, since=TUESDAY_14, until=STORM_END, risk_terms=["glass"]
    )


def test_the_volume_endpoint_reads_a_risks_series_and_refuses_what_does_not_fit(
    api_as, reader, manager, account
):
    storm(account)
    sick = risk(manager, ["batch 24-117"])
    query = {
        "account": account.pk,
        "risk": sick.pk,
        "since": TUESDAY_14.isoformat(),
        "until": STORM_END.isoformat(),
        "bucket": 30,
    }
    response = api_as(reader).get("/api/v1/volume/", query)
    assert response.status_code == 200
    body = response.json()
    assert body["risk"] == sick.pk
    assert body["term"] is None
    assert [point["posts"] for point in body["series"]] == [40]
    # Changed terms apply to what was stored before: the series is read, not kept.
    risk_services.risk_save(actor=manager, risk=sick, watch_terms=["everyone"])
    again = api_as(reader).get("/api/v1/volume/", query).json()
    assert [point["posts"] for point in again["series"]] == [20]  # the third text only
    silent = risk(manager, [])
    for bad, field in (
        ({"risk": silent.pk}, "risk"),
        ({"risk": "999999"}, "risk"),
        ({"risk": "abc"}, "risk"),
    ):
        refused = api_as(reader).get("/api/v1/volume/", {**query, **bad})
        assert refused.status_code == 400
        assert field in refused.json()


def test_a_term_and_a_risk_together_are_refused(api_as, reader, manager, account):
    from communications.models import WatchTerm

    term = WatchTerm.objects.create(account=account, query="batch")
    refused = api_as(reader).get(
        "/api/v1/volume/",
        {"account": account.pk, "term": term.pk, "risk": risk(manager, ["sick"]).pk},
    )
    assert refused.status_code == 400
    assert "not both" in refused.json()["risk"][0]


def test_the_risk_page_charts_the_posts_using_its_watch_terms(client, manager, account):
    listened = risk(manager, ["sick", "recall"])
    client.force_login(manager)
    page = client.get(reverse("teams:risk", args=[listened.pk])).content.decode()
    assert 'data-testid="risk-volume"' in page
    assert f"risk={listened.pk}" in page
    assert "using the risk&#x27;s watch terms (sick, recall)" in page
    silent = risk(manager, [])
    quiet = client.get(reverse("teams:risk", args=[silent.pk])).content.decode()
    assert "data-volume-chart" not in quiet
    assert "Give the risk watch terms" in quiet
