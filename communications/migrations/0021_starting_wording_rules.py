"""The wording rules Crisis Desk starts with: a never-say list and the tone rules the practice
asks for (say what you know, never tell people how to feel, never blame them, never shout), each
with a Turkish and an English example it flags and one it must not flag. Their names and
reasons are said in the reader's language while a manager has not rewritten them."""

from django.db import migrations
from django.utils.translation import gettext_noop

STARTING_RULES = [
    {
        "name": gettext_noop("No comment"),
        "kind": "never_say",
        "shape": "phrases",
        "words": "no comment\nno comments\nyorum yok\nyorum yapmayacağız\naçıklama yapmayacağız",
        "reason": gettext_noop(
            "Silence said out loud reads as hiding something: say what you know, what you are "
            "doing and when you will say more."
        ),
        "examples_flagged": "No comment at this time.\nBu konuda yorum yok.\n"
        "Şu an için açıklama yapmayacağız.",
        "examples_passed": "We will comment as soon as the tests are back.\n"
        "Test sonuçları gelince yorum yapacağız.",
    },
    {
        "name": gettext_noop("Telling people how to feel"),
        "kind": "tone",
        "shape": "phrases",
        "words": "calm down\ndon't panic\ndo not panic\nrelax\nno need to worry\nsakin olun\n"
        "sakin olalım\npanik yapmayın\npaniğe gerek yok\nendişelenmeyin",
        "reason": gettext_noop(
            "People who are worried hear it as being told off: say what is known and what "
            "they can do."
        ),
        "examples_flagged": "Please calm down, we are on it.\nLütfen sakin olun.\n"
        "Paniğe gerek yok, inceliyoruz.",
        "examples_passed": "We understand why you are worried.\nEndişenizi anlıyoruz.",
    },
    {
        "name": gettext_noop("We already said so"),
        "kind": "tone",
        "shape": "phrases",
        "words": "as we already said\nas we said before\nas previously stated\nas we have already "
        "explained\nzaten açıkladık\nzaten söyledik\ndaha önce de belirttiğimiz gibi\n"
        "daha önce açıkladığımız gibi",
        "reason": gettext_noop("It blames the reader for not having read: say it again, kindly."),
        "examples_flagged": "As we already said, the batch is safe.\nZaten açıkladık, parti güvenli.\n"
        "Daha önce de belirttiğimiz gibi ürün güvenli.",
        "examples_passed": "We said on Monday that the batch is safe; here is why.\n"
        "Pazartesi açıkladığımız gibi, işte nedenleri.",
    },
    {
        "name": gettext_noop("Blaming the reader"),
        "kind": "tone",
        "shape": "phrases",
        "words": "you should have\nyou failed to\nyour own fault\nit is your fault\nit's your fault\n"
        "user error\nsizin hatanız\nkendi hatanız\nyapmanız gerekirdi\ndikkat etmeliydiniz",
        "reason": gettext_noop(
            "A brand in a crisis answers for itself, never blames the people it serves."
        ),
        "examples_flagged": "You should have read the label.\nEtiketi okumanız gerekirdi, "
        "sizin hatanız.\nDikkat etmeliydiniz.",
        "examples_passed": "We should have said this sooner.\nBunu daha önce söylemeliydik.",
    },
    {
        "name": gettext_noop("Shouting: words in capitals"),
        "kind": "tone",
        "shape": "capitals",
        "words": "",
        "reason": gettext_noop("Words in capitals read as shouting."),
        "examples_flagged": "PLEASE READ THIS before you share it.\nLÜTFEN BEKLEYİN, inceliyoruz.",
        "examples_passed": "NASA confirmed the date.\nTÜBİTAK raporu yarın çıkıyor.",
    },
    {
        "name": gettext_noop("Shouting: runs of !!! or ???"),
        "kind": "tone",
        "shape": "marks",
        "words": "",
        "reason": gettext_noop("Runs of marks read as shouting or mockery: one is enough."),
        "examples_flagged": "Thank you for waiting!!!\nNeden mi???",
        "examples_passed": "Thank you for waiting!\nNeden mi? Açıklıyoruz.",
    },
]


def add_rules(apps, schema_editor):
    WordingRule = apps.get_model("communications", "WordingRule")
    for rule in STARTING_RULES:
        WordingRule.objects.get_or_create(name=rule["name"], defaults=rule)


def remove_rules(apps, schema_editor):
    WordingRule = apps.get_model("communications", "WordingRule")
    WordingRule.objects.filter(
        name__in=[rule["name"] for rule in STARTING_RULES], created_by__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("communications", "0020_wording_rules")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
