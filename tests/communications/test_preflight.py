"""Pre-flight checks (communications.messaging.preflight): one list, with the offending words
located, for the writer before submitting and for the approver beside the message, the same in
the API; what blocks is asked again by the last gate inside the transaction that publishes."""

import pytest

from communications.messaging import publishing
from communications.messaging.gate import Stop, publish_refusal
from communications.messaging.preflight import (
    Check,
    check_words,
    language_of_text,
    preflight,
    rule_flags,
    rule_lines,
)
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.messaging.services.wording import rule_retire, rule_save
from communications.models import InboundPostEvent, Message, WordingRule
from config.errors import ApplicationError
from incidents.models import ClaimStatus
from incidents.services import claim_add, claim_set_status
from teams import flows
from tests.communications.factories import (
    InboundPostFactory,
    SandboxAccountFactory,
    SocialAccountFactory,
    TemplateFactory,
)
from tests.communications.wording import STARTING_RULES, starting_rules

pytestmark = pytest.mark.django_db
S = Message.Status
SHOUTED = "CALM DOWN, as we already said"


@pytest.fixture
def rules():
    return starting_rules()


@pytest.fixture
def account():
    return SandboxAccountFactory(handle="brand")


@pytest.fixture
def incident(responder):
    return flows.incident_declare(actor=responder, title="Recall rumour", severity=1)


def draft(author, incident, account, body, **kwargs):
    return message_services.message_create(
        actor=author, incident=incident, account=account, body=body, **kwargs
    )


def checks(findings):
    return [finding.check for finding in findings]


# --- each rule: a Turkish and an English example it flags, and one it must not flag ----------

EXAMPLES = {
    "No comment": (
        ["No comment at this time.", "Bu konuda YORUM YOK."],
        ["We will comment when the tests are back.", "Sonuçlar gelince yorum yapacağız."],
    ),
    "Telling people how to feel": (
        ["Please calm down.", "Lütfen SAKİN OLUN."],
        ["We understand you are worried.", "Endişenizi anlıyoruz."],
    ),
    "We already said so": (
        ["As we already said, it is safe.", "ZATEN AÇIKLADIK: ürün güvenli."],
        ["We said on Monday that it is safe.", "Pazartesi açıkladığımız gibi güvenli."],
    ),
    "Blaming the reader": (
        ["You should have read the label.", "Dikkat etmeliydiniz."],
        ["We should have said this sooner.", "Bunu daha önce söylemeliydik."],
    ),
    "Shouting: words in capitals": (
        ["PLEASE READ THIS first.", "LÜTFEN BEKLEYİN, inceliyoruz."],
        ["NASA confirmed the date.", "TÜBİTAK raporu yarın çıkıyor."],
    ),
    "Shouting: runs of !!! or ???": (
        ["Thank you for waiting!!!", "Neden mi???"],
        ["Thank you for waiting!", "Neden mi? Açıklıyoruz."],
    ),
}


def test_every_starting_rule_has_its_examples_here():
    assert set(EXAMPLES) == {rule["name"] for rule in STARTING_RULES}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_starting_rule_flags_its_turkish_and_english_examples_and_no_other(rules, name):
    flagged, passed = EXAMPLES[name]
    rule = rules[name]
    for text in flagged:
        assert rule_flags(rule, text), text
    for text in passed:
        assert not rule_flags(rule, text), text
    # and the examples the rule carries itself, which its managers see and keep
    assert all(rule_flags(rule, text) for text in rule_lines(rule.examples_flagged))
    assert not any(rule_flags(rule, text) for text in rule_lines(rule.examples_passed))


def test_shouting_and_we_already_said_so_are_two_warnings_each_located(rules):
    findings = check_words([SHOUTED], rules.values())
    assert checks(findings) == [Check.TONE, Check.TONE]
    assert not any(finding.blocking for finding in findings)
    located = [[(s.start, s.end, s.words) for s in finding.spans] for finding in findings]
    assert located == [[(0, 9, "CALM DOWN")], [(11, 29, "as we already said")]]
    # the capitals rule does not flag again the words a phrase rule already flagged
    assert "Shouting" not in " ".join(finding.text for finding in findings)


def test_a_phrase_is_matched_on_whole_words_in_any_case_turkish_letters_included(rules):
    feel = rules["Telling people how to feel"]
    assert not rule_flags(feel, "A relaxing weekend for everyone.")
    assert rule_flags(feel, "Relax.")
    assert rule_flags(feel, "PANİK YAPMAYIN")
    assert rule_flags(feel, "calm\n down")  # a line break between the words
    blame = rules["Blaming the reader"]
    assert [s.words for s in check_words(["Bu SİZİN HATANIZ."], [blame])[0].spans] == [
        "SİZİN HATANIZ"
    ]


def test_a_thread_s_further_posts_are_checked_and_located_by_part(rules):
    [finding] = check_words(
        ["1/2 All is fine.", "2/2 As we already said."], [rules["We already said so"]]
    )
    assert [(s.part, s.words) for s in finding.spans] == [(1, "As we already said")]


def test_links_outside_the_brand_s_domains_are_flagged(manager):
    rule = rule_save(
        actor=manager,
        name="Links only to our sites",
        shape=WordingRule.Shape.LINKS,
        words="https://www.brand.com.tr/\nbrand.com",
        reason="A link elsewhere may not say what we say.",
        examples_flagged="Bkz. https://bit.ly/abc\nSee evil.io/recall",
        examples_passed="Bkz. https://destek.brand.com.tr/geri-cagirma\nSee brand.com/recall",
    )
    assert rule.words == "brand.com.tr\nbrand.com"
    assert rule_flags(rule, "See https://brand.com.tr.evil.io/x")
    assert not rule_flags(rule, "See https://BRAND.com/x")
    [finding] = check_words(["Read https://bit.ly/x and https://brand.com/y"], [rule])
    assert finding.check == Check.LINK
    assert [s.words for s in finding.spans] == ["https://bit.ly/x"]


def test_a_retired_rule_flags_nothing(rules, manager, responder, incident, account):
    rule_retire(actor=manager, rule=rules["We already said so"], reason="Too strict for replies")
    message = draft(responder, incident, account, "As we already said, it is safe.")
    assert Check.TONE not in checks(preflight(message))


# --- blocking: placeholders, never say, a reply to a post gone --------------------------------


def test_a_draft_with_an_unfilled_placeholder_cannot_be_submitted(responder, incident, account):
    message = draft(responder, incident, account, "Next update at {next_update}.")
    [finding] = preflight(message)
    assert (finding.check, finding.blocking) == (Check.PLACEHOLDER, True)
    assert [s.words for s in finding.spans] == ["{next_update}"]
    with pytest.raises(ApplicationError, match=r"\{next_update\}"):
        message_services.message_submit(actor=responder, message=message)
    message.refresh_from_db()
    assert message.status == S.DRAFT


def test_a_never_say_word_blocks_submitting(rules, responder, incident, account):
    message = draft(responder, incident, account, "No comment at this time.")
    [finding] = preflight(message)
    assert (finding.check, finding.blocking) == (Check.NEVER_SAY, True)
    with pytest.raises(ApplicationError, match="No comment"):
        message_services.message_submit(actor=responder, message=message)


def test_a_never_say_rule_written_after_approval_stops_it_at_the_last_moment(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks, fake_x
):
    """The gate asks again inside the transaction that publishes: a rule that came in after
    the approvals still stops the words, and nothing reaches X."""
    WordingRule.objects.filter(kind=WordingRule.Kind.NEVER_SAY).delete()
    account = SocialAccountFactory(handle="brand", external_user_id="1500000000000000001")
    message = draft(responder, incident, account, "We have no statement on the lawsuit.")
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    approvals.message_approve(actor=manager2, message=message)
    rule_save(
        actor=manager,
        name="The lawsuit",
        kind=WordingRule.Kind.NEVER_SAY,
        words="lawsuit\ndava",
        reason="Legal speaks about the case, never the social team.",
        examples_flagged="About the lawsuit\nDava hakkında",
        examples_passed="About the recall\nGeri çağırma hakkında",
    )
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "back to draft"
    message.refresh_from_db()
    assert message.status == S.DRAFT
    assert fake_x.posts == []
    refusal = publish_refusal(message, content_only=True)
    assert refusal is not None
    assert refusal.stop == Stop.NEVER_SAY


def test_a_reply_to_a_post_gone_from_x_goes_back_to_draft_and_cannot_be_sent_again(
    responder, manager, manager2, incident, django_capture_on_commit_callbacks, fake_x
):
    account = SocialAccountFactory(handle="brand", external_user_id="1500000000000000001")
    mention = InboundPostFactory(account=account, incident=incident, language="en")
    fake_x.deleted.add(mention.external_id)
    message = draft(
        responder,
        incident,
        account,
        "We are sorry; we have sent you a DM.",
        kind=Message.Kind.REPLY,
        reply_to_mention=mention,
    )
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    approvals.message_approve(actor=manager2, message=message)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "back to draft"
    message.refresh_from_db()
    mention.refresh_from_db()
    assert message.status == S.DRAFT
    assert mention.gone_at is not None
    assert "deleted or not visible" in InboundPostEvent.objects.filter(mention=mention).last().text
    assert fake_x.posts == []
    findings = preflight(message)
    assert (findings[0].check, findings[0].blocking) == (Check.TARGET_GONE, True)
    with pytest.raises(ApplicationError, match="gone from X"):
        message_services.message_submit(actor=responder, message=message)


# --- warnings: the approver approves knowingly ------------------------------------------------


def test_tone_warnings_do_not_stop_a_message(
    rules, responder, manager, manager2, incident, account
):
    message = draft(responder, incident, account, SHOUTED)
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED


def test_a_reply_in_another_language_than_the_post_it_answers_is_a_warning(
    responder, incident, account
):
    mention = InboundPostFactory(
        account=account, language="tr", text="Ürününüz çocuğumu hasta etti, neden açıklama yok?"
    )
    english = draft(
        responder,
        incident,
        account,
        "We are sorry to hear this and we are looking into it.",
        kind=Message.Kind.REPLY,
        reply_to_mention=mention,
    )
    [finding] = [f for f in preflight(english) if f.check == Check.LANGUAGE]
    assert not finding.blocking
    assert "English" in finding.text
    assert "Turkish" in finding.text
    turkish = draft(
        responder,
        incident,
        account,
        "Bunu duyduğumuz için üzgünüz, konuyu hemen inceliyoruz.",
        kind=Message.Kind.REPLY,
        reply_to_mention=mention,
    )
    assert Check.LANGUAGE not in checks(preflight(turkish))


def test_a_draft_in_another_language_than_its_template_is_a_warning(responder, incident, account):
    template = TemplateFactory(language="tr", body="Konuyu inceliyoruz.")
    message = draft(
        responder,
        incident,
        account,
        "We are looking into the reports about the batch.",
        template=template,
    )
    assert Check.LANGUAGE in checks(preflight(message))


def test_too_few_words_are_not_judged():
    assert language_of_text("ok") == ""
    assert language_of_text("@brand https://x.co/a {next_update}") == ""
    assert language_of_text("Ürünlerimizle ilgili iddiaları inceliyoruz.") == "tr"


def test_an_unverified_claim_cited_is_a_warning(responder, manager, incident, account):
    rumour = claim_add(actor=responder, incident=incident, statement="Batch 42 made children ill")
    message = draft(responder, incident, account, "About batch 42.", cited_claims=[rumour])
    [finding] = [f for f in preflight(message) if f.check == Check.UNVERIFIED_CLAIM]
    assert "Batch 42 made children ill" in finding.text
    assert not finding.blocking
    claim_set_status(actor=manager, claim=rumour, status=ClaimStatus.FALSE, evidence="Lab report")
    assert Check.UNVERIFIED_CLAIM not in checks(preflight(message))


# --- the pages: writer and approver see the same list, the words marked ----------------------


def test_the_approver_sees_the_warnings_with_the_words_marked(
    rules, client, responder, manager, incident, account
):
    message = draft(responder, incident, account, "<b>" + SHOUTED + "</b>")
    message_services.message_submit(actor=responder, message=message)
    for person in (manager, responder):
        client.force_login(person)
        page = client.get(message.get_absolute_url()).content.decode()
        assert page.count('data-check="tone" data-blocking="false"') == 2
        assert '<mark class="preflight-mark" data-check="tone"' in page
        assert ">CALM DOWN</mark>" in page
        assert ">as we already said</mark>" in page
        assert "&lt;b&gt;" in page
        assert "<b>CALM" not in page


def test_the_composer_checks_the_words_as_they_are_written(rules, client, responder):
    client.force_login(responder)
    answer = client.post(
        "/communications/preflight/", {"body": "No comment. {next_update}", "kind": "tweet"}
    )
    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-check="placeholder" data-blocking="true"' in page
    assert 'data-check="never_say" data-blocking="true"' in page
    clear = client.post("/communications/preflight/", {"body": "We are on it.", "kind": "tweet"})
    assert 'data-testid="preflight-clear"' in clear.content.decode()


def test_the_composer_s_check_is_for_those_who_draft(client, reader):
    client.force_login(reader)
    assert client.post("/communications/preflight/", {"body": "x"}).status_code == 403


# --- the API --------------------------------------------------------------------------------


def test_the_api_gives_the_same_list_with_the_words_located(
    rules, api_as, responder, incident, account
):
    message = draft(responder, incident, account, SHOUTED)
    body = api_as(responder).get(f"/api/v1/messages/{message.pk}/preflight/").json()
    assert body["blocking"] is False
    assert [(f["check"], f["blocking"]) for f in body["findings"]] == [
        ("tone", False),
        ("tone", False),
    ]
    assert body["findings"][0]["spans"] == [{"part": 0, "start": 0, "end": 9, "words": "CALM DOWN"}]
    assert body["findings"][0]["rule"]["name"] == "Telling people how to feel"


def test_managers_keep_the_rules_through_the_api_and_every_change_is_on_record(
    api_as, manager, responder
):
    payload = {
        "name": "Guarantee",
        "kind": "never_say",
        "shape": "phrases",
        "words": "we guarantee\ngaranti ediyoruz",
        "reason": "Only legal may promise.",
        "examples_flagged": "We guarantee it is safe.\nGaranti ediyoruz.",
        "examples_passed": "We checked it.\nKontrol ettik.",
    }
    assert (
        api_as(responder).post("/api/v1/wording-rules/", payload, format="json").status_code == 403
    )
    created = api_as(manager).post("/api/v1/wording-rules/", payload, format="json")
    assert created.status_code == 201, created.content
    rule = created.json()
    wrong = api_as(manager).patch(
        f"/api/v1/wording-rules/{rule['id']}/",
        {"examples_passed": "We guarantee nothing."},
        format="json",
    )
    assert wrong.status_code == 400
    assert list(wrong.json()) == ["examples_passed"]
    unexplained = api_as(manager).patch(
        f"/api/v1/wording-rules/{rule['id']}/",
        {"words": "we guarantee\ngaranti ediyoruz\ngaranti ederiz"},
        format="json",
    )
    assert unexplained.status_code == 400
    assert list(unexplained.json()) == ["change_reason"]
    changed = api_as(manager).patch(
        f"/api/v1/wording-rules/{rule['id']}/",
        {
            "words": "we guarantee\nwe promise\ngaranti ediyoruz",
            "examples_flagged": "We guarantee it.\nWe promise it.\nGaranti ediyoruz.",
            "change_reason": "Promises too",
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    retired = api_as(manager).post(
        f"/api/v1/wording-rules/{rule['id']}/retire/",
        {"change_reason": "Legal lifted it"},
        format="json",
    )
    assert retired.json()["is_active"] is False
    history = api_as(responder).get(f"/api/v1/wording-rules/{rule['id']}/changes/").json()
    assert [(h["action"], h["reason"], h["actor"]["username"]) for h in history] == [
        ("retired", "Legal lifted it", "manager"),
        ("changed", "Promises too", "manager"),
        ("added", "Only legal may promise.", "manager"),
    ]
    assert "we promise" not in history[1]["before"]["words"]
    assert "we promise" in history[1]["after"]["words"]


def test_a_rule_is_refused_when_it_misses_its_own_example(manager):
    with pytest.raises(ApplicationError) as refused:
        rule_save(
            actor=manager,
            name="Sorry",
            words="sorry for any inconvenience",
            reason="Hollow.",
            examples_flagged="We are sorry for the inconvenience.",
            examples_passed="We are sorry.",
        )
    assert refused.value.field == "examples_flagged"


# --- the pages for the rules ------------------------------------------------------------------


def test_a_manager_adds_and_retires_a_rule_on_its_pages(client, manager, responder):
    client.force_login(responder)
    assert client.get("/communications/wording-rules/new/").status_code == 403
    client.force_login(manager)
    answer = client.post(
        "/communications/wording-rules/new/",
        {
            "name": "Hollow apology",
            "kind": "tone",
            "shape": "phrases",
            "words": "sorry for any inconvenience\nyaşanan aksaklıktan dolayı özür dileriz",
            "reason": "It apologises for nothing in particular.",
            "examples_flagged": "Sorry for any inconvenience.\n"
            "Yaşanan aksaklıktan dolayı özür dileriz.",
            "examples_passed": "We are sorry your order was late.\n"
            "Siparişiniz geciktiği için üzgünüz.",
        },
    )
    rule = WordingRule.objects.get(name="Hollow apology")
    assert answer.status_code == 302
    assert answer.url == rule.get_absolute_url()
    page = client.get("/communications/wording-rules/").content.decode()
    assert "Hollow apology" in page
    client.post(f"/communications/wording-rules/{rule.pk}/retire/", {"change_reason": ""})
    rule.refresh_from_db()
    assert rule.is_active  # no reason, no change
    client.post(f"/communications/wording-rules/{rule.pk}/retire/", {"change_reason": "Duplicate"})
    rule.refresh_from_db()
    assert not rule.is_active
    detail = client.get(rule.get_absolute_url()).content.decode()
    assert "Duplicate" in detail
    assert 'data-testid="retired"' in detail
    assert "Hollow apology" not in client.get("/communications/wording-rules/").content.decode()
