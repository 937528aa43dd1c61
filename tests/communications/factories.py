import factory

from communications.accounts import crypto
from communications.models import InboundPost, SocialAccount, Template
from tests.teams.factories import UserFactory


class SocialAccountFactory(factory.django.DjangoModelFactory[SocialAccount]):
    """An X account with OAuth 1.0a user keys (encrypted, as the service stores them)."""

    class Meta:
        model = SocialAccount

    handle = factory.Sequence(lambda n: f"brand{n}")
    display_name = "Brand"
    external_user_id = "1500000000000000001"
    auth_kind = SocialAccount.AuthKind.OAUTH1
    credentials_encrypted = factory.LazyFunction(
        lambda: crypto.encrypt(
            {
                "consumer_key": "ck-test",
                "consumer_secret": "cs-test",
                "access_token": "at-test",
                "access_token_secret": "ats-test",
            }
        )
    )


class SandboxAccountFactory(SocialAccountFactory):
    auth_kind = SocialAccount.AuthKind.NONE
    credentials_encrypted = ""  # type: ignore[assignment]


class InboundPostFactory(factory.django.DjangoModelFactory[InboundPost]):
    class Meta:
        model = InboundPost

    external_id = factory.Sequence(lambda n: str(1870000000000000000 + n))
    account = factory.SubFactory(SocialAccountFactory)
    author_handle = factory.Sequence(lambda n: f"customer{n}")
    author_followers = 120
    text = factory.Faker("sentence")
    posted_at = factory.Faker("past_datetime", tzinfo=__import__("datetime").UTC)


class TemplateFactory(factory.django.DjangoModelFactory[Template]):
    class Meta:
        model = Template

    name = factory.Sequence(lambda n: f"Holding statement {n}")
    kind = Template.Kind.HOLDING_STATEMENT
    body = "We are aware of reports about {title} ({reference}) and are looking into it."
    created_by = factory.SubFactory(UserFactory)
