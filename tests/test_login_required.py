"""Every URL but the login page, the password-reset pages, the probes and the public statement
page needs a login.

The test walks the whole URL configuration, so a view added later without protection fails
here instead of leaking.
"""

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# Reachable without logging in, and why.
PUBLIC = {
    "login",  # the way in
    "password_reset",  # a person who forgot the password cannot log in first
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",  # load balancer probe
    "readyz",  # orchestrator probe: up or down only (the details are for signed-in admins)
    "teams:language",  # the sign-in page's language switcher (a cookie; the profile once signed in)
    "logout",  # POST only; logging out when logged out is harmless
    "admin:login",  # the admin site's own way in
    "admin:logout",
    # The brand's public statement page and its feed: for the public, who has no account.
    "statement-page-root",
    "statement-page",
    "statement-page-feed",
    # Its email subscribers: asking, confirming and unsubscribing need no account.
    "statement-page-subscribe",
    "statement-page-confirm",
    "statement-page-unsubscribe",
}


def walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            # A namespace inside another is reversed as outer:inner (communications:mentions).
            inner = ":".join(name for name in (namespace, entry.namespace) if name)
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            if not entry.name:
                # Only the admin has unnamed routes (redirects to its named change pages).
                assert namespace == "admin", f"unnamed URL pattern {entry.pattern}"
                continue
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, tuple(sorted(entry.pattern.regex.groupindex))


NOBODYS_UUID = "00000000-0000-0000-0000-000000000000"


def plausible(argument: str) -> str:
    if argument == "job_id":
        return NOBODYS_UUID
    if argument == "reference":
        return "INC-2026-0001"
    if argument == "format":
        return "json"
    if argument == "language":
        return "tr"
    if argument in ("uidb64", "token", "url", "app_label", "model_name", "content_type_id"):
        return "x" if argument != "app_label" else "incidents"
    return "1"


def url_for(name: str, arguments: tuple[str, ...]) -> str:
    kwargs = {argument: plausible(argument) for argument in arguments}
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        # An API object named by a UUID (a report being written) rather than a number.
        return reverse(name, kwargs={**kwargs, "pk": NOBODYS_UUID})


ALL = sorted(set(walk(get_resolver().url_patterns)))


def test_the_walk_sees_the_whole_site():
    names = {name for name, _arguments in ALL}
    assert {"dashboard", "incidents:list", "incidents:detail", "incident-list"} <= names
    assert len(ALL) > 40


@pytest.mark.parametrize(("name", "arguments"), ALL, ids=[f"{n}{list(a)}" for n, a in ALL])
def test_anonymous_visitors_are_kept_out(client, name, arguments):
    if name in PUBLIC:
        pytest.skip("public by design")
    url = url_for(name, arguments)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if url.startswith("/api/"):
            assert response.status_code in (401, 403), (method, url, response.status_code)
        else:
            assert response.status_code in (302, 405), (method, url, response.status_code)
            if response.status_code == 302:
                # The admin may send people to its own login page.
                assert response["Location"].startswith(
                    ("/accounts/login/?next=", "/admin/login/?next=")
                ), url


@pytest.mark.parametrize("name", sorted(PUBLIC - {"logout", "teams:language"}))
def test_the_public_pages_answer_without_login(client, name):
    arguments = dict(ALL)[name]
    response = client.get(url_for(name, arguments))
    # 410: a subscriber's link whose key is nobody's (expired, or replaced by a newer one).
    assert response.status_code in (200, 302, 503, 410 if "key" in arguments else 200), name
    if response.status_code == 302:
        assert "/accounts/login/" not in response["Location"]
