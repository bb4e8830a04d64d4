"""Free text made inert for GitHub-flavoured Markdown: no markup, no HTML, no mentions,
no issue or commit references, no autolinks.

Notes, error messages, service names and rule names come from YAML or from the API, so a
posted plan must not let them ping people (`@team`), link unrelated pull requests (`#12`),
inject HTML (`<script>`) or break a table cell (`|`). GitHub applies mentions and references
to text nodes after rendering, so escaping alone does not stop them: a zero-width joiner
after the trigger character does, and reads the same.
"""

from __future__ import annotations

import re

from reconciler.render.common import clean

ZWJ = "\u200d"

# Characters that would end a table cell, open a code span, or start markup.
_ESCAPES = {
    "\\": "\\\\",
    "|": "\\|",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "~": "\\~",
    "[": "\\[",
    "]": "\\]",
    "!": "\\!",
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
}

# What GitHub turns into a mention, a reference or a link when it stands on its own:
# @user or @org/team, #123, GH-123, a commit SHA (7 to 40 hex digits), http:// and www.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")
_ISSUE_REF = re.compile(r"#(?=\d)")
_GH_REF = re.compile(r"(?i)\b(GH)-(?=\d)")
_SHA = re.compile(r"\b([0-9a-fA-F]{3})([0-9a-fA-F]{4,37})\b")
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)")
_WWW = re.compile(r"(?i)\b(www)\.")


def neutralise(text: str) -> str:
    """`text` with mentions, references and autolinks broken by a zero-width joiner."""
    text = _MENTION.sub("@" + ZWJ, text)
    text = _ISSUE_REF.sub("#" + ZWJ, text)
    text = _GH_REF.sub(lambda m: m.group(1) + ZWJ + "-", text)
    text = _SHA.sub(lambda m: m.group(1) + ZWJ + m.group(2), text)
    text = _SCHEME.sub(lambda m: m.group(1) + ":" + ZWJ, text)
    return _WWW.sub(lambda m: m.group(1) + ZWJ + ".", text)


def escape(text: str) -> str:
    """Free text made safe for one table cell: one line, no markup, no cell breaks, inert."""
    return neutralise("".join(_ESCAPES.get(char, char) for char in clean(text)))


def escape_html(text: str) -> str:
    """Free text for inside an HTML element (a `<summary>`), where Markdown is not parsed."""
    line = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return neutralise(line)


def comment_safe(text: str) -> str:
    """Text for inside an HTML comment: no `--` (which would end it early), no `<` or `>`."""
    line = clean(text).replace("<", "(").replace(">", ")")
    while "--" in line:
        line = line.replace("--", "-=")
    return line
