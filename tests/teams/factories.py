import factory
from django.contrib.auth.models import Group

from teams.models import User
from teams.permissions import ADMIN, MANAGER, RESPONDER


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A person with no group: may read, may not act."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))


def responder(**kwargs: object) -> User:
    return UserFactory.create(groups=[RESPONDER], **kwargs)


def manager(**kwargs: object) -> User:
    return UserFactory.create(groups=[MANAGER], **kwargs)


def admin(**kwargs: object) -> User:
    return UserFactory.create(groups=[ADMIN], is_staff=True, **kwargs)
