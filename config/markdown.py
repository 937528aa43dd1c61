"""Markdown as people write it (a postmortem, a playbook's first steps), rendered once for the
page, the PDF and the Markdown export: markdown-it-py (CommonMark, no raw HTML) and nh3 to keep
only safe tags."""

from functools import cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "a", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip


@cache
def _parser() -> MarkdownIt:
    # "js-default": CommonMark with tables and strikethrough, raw HTML off, links checked.
    return MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def render(text: str) -> SafeString:
    """Markdown → safe HTML. Headings start at h3 (the report's sections are h2); links may
    only be http(s) or mailto and open nothing in the page's name."""
    html = _parser().render(text or "")
    for level in (2, 1):  # keep the report's outline: a section's heading is h2
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        # No style attributes (a table's column alignment): the pages' CSP allows none.
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 above)
