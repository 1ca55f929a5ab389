"""Money parsing/formatting and Markdown sanitisation."""

from html.parser import HTMLParser

import pytest

from sellsafe.catalog.markdown import MAX_LENGTH, render
from sellsafe.core import money


def elements(html):
    """Every real element of an HTML fragment, as (tag, attributes)."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


@pytest.mark.parametrize(
    ("text", "minor"),
    [("12.34", 1234), ("12", 1200), ("12.3", 1230), (" 0.01 ", 1), ("0", 0), (5, 500)],
)
def test_parse_accepts_plain_amounts(text, minor):
    assert money.parse(text, "GBP") == minor


@pytest.mark.parametrize(
    "text",
    [
        "-1",
        "1.234",
        "1e5",
        "abc",
        "",
        None,
        "1,000",
        "10000000000",
        "NaN",
        "Infinity",
        "\uff11\uff12",
        True,
    ],
)
def test_parse_rejects_everything_else(text):
    with pytest.raises(money.MoneyError):
        money.parse(text, "GBP")


def test_zero_decimal_currencies():
    assert money.parse("1200", "JPY") == 1200
    with pytest.raises(money.MoneyError):
        money.parse("12.5", "JPY")
    assert money.format_minor(1200, "JPY") == "1200"


def test_format():
    assert money.format_minor(1234, "GBP") == "12.34"
    assert money.format_minor(5, "EUR") == "0.05"
    assert money.format_minor(None, "EUR") == ""


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<p style="color:red" onclick="x()">hi</p>',
    ],
)
def test_hostile_markdown_is_neutralised(hostile):
    tags = elements(render(hostile))
    for tag, attrs in tags:
        assert tag in {"p", "a", "br", "strong", "em"}, tag
        for name, value in attrs:
            assert not name.startswith("on")
            assert name in {"href", "rel"}
            if name == "href":
                assert value.split(":")[0].lower() in {"http", "https", "mailto"}


def test_links_get_nofollow_and_only_safe_schemes():
    html = render("[a](https://example.com) [b](mailto:a@example.com) [c](ftp://x.example)")
    assert '<a href="https://example.com" rel="nofollow noopener">a</a>' in html
    assert 'href="mailto:a@example.com"' in html
    assert "ftp://" not in html.split("href=")[-1] or 'href="ftp' not in html


def test_allowed_formatting_survives():
    html = render("# Title\n\n**bold** *em*\n\n- one\n- two\n\n> quote\n\n`code`")
    for tag in ("<h2>", "<strong>", "<em>", "<ul>", "<li>", "<blockquote>", "<code>"):
        assert tag in html


def test_input_is_capped():
    assert len(render("a" * (MAX_LENGTH * 2))) < MAX_LENGTH + 100


def test_a_refused_link_keeps_its_text_without_an_empty_target():
    html = render("[click](javascript:alert(1)) and [ok](https://example.com)")
    assert "click" in html
    assert 'href=""' not in html
    assert "javascript" not in html
    assert '<a href="https://example.com" rel="nofollow noopener">ok</a>' in html


def test_raw_html_is_left_out_and_its_text_escaped_where_kept():
    html = render('Hi <b onclick="x()">there</b> & <script>alert(1)</script> 1 < 2 "q"')
    assert "<b" not in html and "<script" not in html and "onclick" not in html
    assert "there" in html
    assert "&amp;" in html and "1 &lt; 2" in html


def test_the_same_text_renders_the_same_html():
    text = "**Wool** scarf\n\n* soft\n* warm\n\nMade in [Leeds](https://example.com)."
    assert render(text).startswith("<p><strong>Wool</strong> scarf</p>")
