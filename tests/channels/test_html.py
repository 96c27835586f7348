from __future__ import annotations

import pytest

from channels.html import html_to_text, replace_cid_urls, sanitize_html


@pytest.mark.parametrize(
    ("dirty", "gone"),
    [
        ("<script>alert(1)</script>hi", "alert"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript"),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', "ascript"),
        ('<p style="width: expression(alert(1))">x</p>', "expression"),
        ('<p style="background: url(http://t.example/p.gif)">x</p>', "url("),
        ('<p style="color: red; -moz-binding: url(x.xml#y)">x</p>', "binding"),
        ('<p style="color: re\\64">x</p>', "\\"),
        ('<iframe src="http://evil.example"></iframe>', "iframe"),
        ('<object data="x.swf"></object>', "object"),
        ('<embed src="x.swf">', "embed"),
        ('<meta http-equiv="refresh" content="0;url=http://evil.example">', "refresh"),
        ('<base href="http://evil.example/">', "base"),
        ('<link rel="stylesheet" href="http://evil.example/x.css">', "stylesheet"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "data:"),
        ("<form><input name=p></form>", "input"),
        ("<svg><a xlink:href='javascript:alert(1)'>x</a></svg>", "xlink"),
        ("<!-- <script>alert(1)</script> -->ok", "script"),
    ],
)
def test_dangerous_markup_is_removed(dirty: str, gone: str) -> None:
    assert gone not in sanitize_html(dirty).lower()


def test_safe_markup_survives() -> None:
    clean = sanitize_html(
        '<p style="color: blue; position: fixed">Dear <b>Ann</b>, see <a href="https://x.example/a">here</a>'
        '</p><table border="1"><tr><td>1</td></tr></table><img src="cid:logo@x" alt="logo">'
    )
    assert '<p style="color:blue">' in clean
    assert "position" not in clean
    assert "<b>Ann</b>" in clean
    assert 'href="https://x.example/a"' in clean
    assert 'rel="noopener noreferrer nofollow"' in clean
    assert "<td>1</td>" in clean
    assert 'src="cid:logo@x"' in clean


def test_replace_cid_urls() -> None:
    html = '<img src="cid:logo@x"><img src="cid:unknown@x"><a href="cid:doc@x">d</a>'
    replaced = replace_cid_urls(html, {"logo@x": "/files/1", "doc@x": "/files/2"})
    assert replaced == '<img src="/files/1"><img src="cid:unknown@x"><a href="/files/2">d</a>'


def test_html_to_text_structure() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<h1>Order</h1><p>Hello&nbsp;there,<br>line two</p>"
        "<ul><li>one</li><li>two</li></ul>"
        "<blockquote>quoted<br>text</blockquote><script>x()</script></body></html>"
    )
    assert html_to_text(html) == "Order\n\nHello there,\nline two\n\n- one\n- two\n\n> quoted\n> text"


def test_html_to_text_of_chinese() -> None:
    assert html_to_text("<div>您好，</div><div>谢谢</div>") == "您好，\n谢谢"
