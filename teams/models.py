from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who logs in. Groups (Responder, Manager, Admin) carry what they may do."""

    class Meta(AbstractUser.Meta):
        ordering = ["username"]
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
