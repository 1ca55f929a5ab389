"""Product descriptions: Markdown as the seller typed it, rendered to HTML and then sanitised.

markdown-it renders with raw HTML switched off; nh3 then keeps only a small allow-list of tags,
only http/https/mailto links, and forces rel="nofollow noopener" on every link. The sanitiser is
the guarantee, whatever the renderer lets through.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

MAX_LENGTH = 20_000

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "ul",
        "ol",
        "li",
        "a",
        "h2",
        "h3",
        "h4",
        "blockquote",
        "code",
        "pre",
    }
)
# rel is set by nh3 itself (link_rel), so it is not taken from the input.
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Dropped with their content, not just unwrapped.
DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})
# Built once per process: nh3.clean(..., options) builds a new sanitiser on every call.
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROP_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def sanitise(html: str) -> str:
    return _cleaner.clean(html)


def render(text: str) -> str:
    """Markdown -> safe HTML. Input past MAX_LENGTH is cut (the service refuses it first)."""
    if not text:
        return ""
    # h1 is the page's own title: a seller's "# Heading" becomes h2 (h5/h6 lose their tag).
    html = _renderer.render(text[:MAX_LENGTH])
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise(html)
