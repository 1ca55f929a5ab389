"""The sanitiser built once per process (nh3.Cleaner) cleans exactly as nh3.clean with the same
options did on every call."""

from __future__ import annotations

import random

import nh3

from sellsafe.catalog import markdown


def per_call(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(markdown.ALLOWED_TAGS),
        clean_content_tags=set(markdown.DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in markdown.ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(markdown.URL_SCHEMES),
        link_rel=markdown.LINK_REL,
        strip_comments=True,
    )


CORPUS = [
    "<script>alert(1)</script>x",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="/relative">r</a>',
    '<a href="https://example.com" rel="opener" onclick="y">e</a>',
    "<!-- comment --><p>p</p>",
    "<style>*{}</style><iframe src=x></iframe><h1>t</h1>",
    "<img src=x onerror=alert(1)>",
    "<svg><script>1</script></svg>",
    "<template><p>t</p></template><object>o</object><embed>",
    '<a href="mailto:a@example.com">m</a><a href="ftp://x.example">f</a>',
    "<p>ok <strong>b</strong> <em>e</em></p>\n<ul><li>x</li></ul><pre><code>c</code></pre>",
    '<a href="  javascript:x">s</a>',
]


def test_same_as_per_call_clean() -> None:
    for html in CORPUS:
        assert markdown.sanitise(html) == per_call(html), html
    rng = random.Random(20261129)
    bits = ["<", ">", "/", "a", ' href="', "javascript:", "https://x", '"', "script", "p", "<!--"]
    bits += ["-->", "x", "&", "\n", "h2", "iframe", "style", " onclick=", "'"]
    for _ in range(3000):
        html = "".join(rng.choice(bits) for _ in range(rng.randint(0, 20)))
        assert markdown.sanitise(html) == per_call(html), html


def test_render_still_neutralises_script() -> None:
    html = markdown.render("Hi <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<script" not in html and 'href="javascript' not in html
