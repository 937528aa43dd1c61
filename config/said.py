"""Template filters for words put inside sentences: ``{% load said %}`` then
``{{ status|lowered }}``, a label in lower case by the rules of the language spoken
(config.languages.lowered)."""

from django import template

from config.languages import lowered as lowered_in_language

register = template.Library()


@register.filter
def lowered(text: object) -> str:
    return lowered_in_language(text)
