from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from reconciler.errors import QuerySyntaxError
from reconciler.query import And, MatchAll, Node, Not, Or, Range, Term, matches, parse


def t(value: str, key: str | None = None, *, quoted: bool = False, wildcard: bool = False) -> Term:
    return Term(key, value, quoted=quoted, wildcard=wildcard)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("service:payments", t("payments", "service"), id="tag"),
        pytest.param("@error.type:TypeError", t("TypeError", "@error.type"), id="attribute"),
        pytest.param("timeout", t("timeout"), id="free-text"),
        pytest.param(
            '"connection reset"', t("connection reset", quoted=True), id="quoted-free-text"
        ),
        pytest.param('service:"my svc"', t("my svc", "service", quoted=True), id="quoted-value"),
        pytest.param(r'"say \"hi\" \\ ok"', t('say "hi" \\ ok', quoted=True), id="quoted-escapes"),
        pytest.param('"a*b"', t("a*b", quoted=True), id="quoted-star-is-literal"),
        pytest.param("service:pay*", t("pay*", "service", wildcard=True), id="star-wildcard"),
        pytest.param("service:pay?", t("pay?", "service", wildcard=True), id="question-wildcard"),
        pytest.param(r"service:a\*b", t("a*b", "service"), id="escaped-star-literal"),
        pytest.param(
            r"service:a\*b*", t(r"a\*b*", "service", wildcard=True), id="escaped-in-pattern"
        ),
        pytest.param(r"@url:a\:b", t("a:b", "@url"), id="escaped-colon"),
        pytest.param("@url:http://x", t("http://x", "@url"), id="colon-in-value"),
        pytest.param("payments-api", t("payments-api"), id="hyphen-inside-word"),
        pytest.param("*", MatchAll(), id="lone-star"),
        pytest.param("  *  ", MatchAll(), id="lone-star-spaces"),
        pytest.param("service:*", t("*", "service", wildcard=True), id="key-star"),
        pytest.param("and", t("and"), id="lowercase-and-is-a-word"),
        pytest.param("a and b", And((t("a"), t("and"), t("b"))), id="lowercase-and-implicit"),
        pytest.param("a b", And((t("a"), t("b"))), id="implicit-and"),
        pytest.param("a AND b", And((t("a"), t("b"))), id="explicit-and"),
        pytest.param("a OR b", Or((t("a"), t("b"))), id="or"),
        pytest.param("NOT a", Not(t("a")), id="not"),
        pytest.param("-a", Not(t("a")), id="minus"),
        pytest.param("-service:a", Not(t("a", "service")), id="minus-tag"),
        pytest.param("NOT NOT a", Not(Not(t("a"))), id="double-not"),
        pytest.param("-(a OR b)", Not(Or((t("a"), t("b")))), id="minus-group"),
        pytest.param("(a)", t("a"), id="parens"),
        pytest.param(
            "service:(a OR b)",
            Or((t("a", "service"), t("b", "service"))),
            id="key-group",
        ),
        pytest.param(
            "service:(a -b*)",
            And((t("a", "service"), Not(t("b*", "service", wildcard=True)))),
            id="key-group-and-not",
        ),
        pytest.param("@d:>5", Range("@d", low=5, low_inclusive=False), id="gt"),
        pytest.param("@d:>=5", Range("@d", low=5), id="ge"),
        pytest.param("@d:<2.5", Range("@d", high=2.5, high_inclusive=False), id="lt"),
        pytest.param("@d:<=-1", Range("@d", high=-1), id="le-negative"),
        pytest.param("@d:[1 TO 5]", Range("@d", 1, 5), id="range-inclusive"),
        pytest.param("@d:{1 TO 5}", Range("@d", 1, 5, False, False), id="range-exclusive"),
        pytest.param("@d:[* TO 5]", Range("@d", None, 5), id="range-open-low"),
    ],
)
def test_parse_constructs(query: str, expected: Node) -> None:
    assert parse(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("a OR b c", Or((t("a"), And((t("b"), t("c"))))), id="and-binds-tighter"),
        pytest.param("a b OR c", Or((And((t("a"), t("b"))), t("c"))), id="and-before-or"),
        pytest.param("NOT a b", And((Not(t("a")), t("b"))), id="not-binds-tightest"),
        pytest.param("(a OR b) c", And((Or((t("a"), t("b"))), t("c"))), id="parens-override"),
        pytest.param(
            "a OR b OR c AND d",
            Or((t("a"), t("b"), And((t("c"), t("d"))))),
            id="flat-or",
        ),
        pytest.param("* service:a", And((MatchAll(), t("a", "service"))), id="star-in-and"),
    ],
)
def test_precedence(query: str, expected: Node) -> None:
    assert parse(query) == expected


@pytest.mark.parametrize(
    ("query", "position", "reason"),
    [
        pytest.param("", 0, "empty query", id="empty"),
        pytest.param("   ", 3, "empty query", id="blank"),
        pytest.param("(a OR b", 0, "unbalanced parenthesis", id="unclosed-paren"),
        pytest.param("a OR (b", 5, "unbalanced parenthesis", id="unclosed-inner"),
        pytest.param("(", 0, "unbalanced parenthesis", id="lone-open"),
        pytest.param("a) b", 1, "unbalanced parenthesis", id="extra-close"),
        pytest.param("()", 0, "empty parentheses", id="empty-parens"),
        pytest.param("service:", 8, "missing value after 'service:'", id="missing-value-end"),
        pytest.param("service: x", 8, "missing value after 'service:'", id="missing-value-space"),
        pytest.param("(service:)", 9, "missing value after 'service:'", id="missing-value-paren"),
        pytest.param(":x", 0, "missing key before ':'", id="missing-key"),
        pytest.param("a OR", 2, "dangling OR", id="dangling-or"),
        pytest.param("OR a", 0, "dangling OR", id="leading-or"),
        pytest.param("a OR OR b", 2, "dangling OR", id="double-or"),
        pytest.param("a AND", 2, "dangling AND", id="dangling-and"),
        pytest.param("(a AND) b", 3, "dangling AND", id="and-before-close"),
        pytest.param("a NOT", 2, "dangling NOT", id="dangling-not"),
        pytest.param("- a", 0, "'-' must be directly followed", id="minus-space"),
        pytest.param('service:"abc', 8, "unterminated quoted value", id="unterminated-quote"),
        pytest.param('a"b', 1, "unexpected '\"'", id="quote-inside-word"),
        pytest.param("a\\", 1, "escapes nothing", id="trailing-backslash"),
        pytest.param("x:(y:z)", 3, "'y:' cannot be nested", id="nested-key"),
        pytest.param("@d:>x", 4, "expected a number", id="comparison-not-number"),
        pytest.param("@d:[1 5]", 6, "expected 'TO'", id="range-without-to"),
        pytest.param("@d:[1 TO 5", 3, "unterminated range", id="range-unterminated"),
        pytest.param("@d:[a TO 5]", 4, "expected a number", id="range-bad-bound"),
    ],
)
def test_parse_errors(query: str, position: int, reason: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert caught.value.query == query
    assert caught.value.position == position
    assert reason in caught.value.reason


def test_error_message_is_one_based() -> None:
    with pytest.raises(QuerySyntaxError, match=r"at character 3: dangling OR"):
        parse("a OR")


class FakeIssue:
    """A lookup over a dict of key -> values; None holds the free-text fields."""

    def __init__(self, values: Mapping[str | None, Sequence[str]]) -> None:
        self.values = values
        self.calls: list[str | None] = []

    def __call__(self, key: str | None) -> Sequence[str]:
        self.calls.append(key)
        return self.values.get(key, ())


ISSUE = FakeIssue(
    {
        "service": ["payments-api"],
        "env": ["prod", "staging"],
        "@language": ["python"],
        "@error.type": ["builtins.TypeError"],
        "@count": ["12"],
        "@weird": ["a*b", "n/a"],
        None: ["builtins.TypeError", "object of type 'NoneType' has no len()", "app/pay.py"],
    }
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("*", True, id="match-all"),
        pytest.param("NOT *", False, id="match-nothing"),
        pytest.param("service:payments-api", True, id="tag-exact"),
        pytest.param("service:PAYMENTS-API", True, id="tag-case-insensitive"),
        pytest.param("service:payments", False, id="tag-whole-value"),
        pytest.param("service:payments-*", True, id="star-prefix"),
        pytest.param("service:*-api", True, id="star-suffix"),
        pytest.param("service:pay*api", True, id="star-middle"),
        pytest.param("service:payments-ap?", True, id="question-one-char"),
        pytest.param("service:payments-a?", False, id="question-exactly-one"),
        pytest.param("service:*", True, id="key-exists"),
        pytest.param("host:*", False, id="key-missing"),
        pytest.param("env:staging", True, id="any-of-several-values"),
        pytest.param("@language:python", True, id="attribute"),
        pytest.param("@language:go", False, id="attribute-mismatch"),
        pytest.param("service:payments-* AND @language:python", True, id="contract-example"),
        pytest.param("service:payments-* AND @language:go", False, id="and-fails"),
        pytest.param("@language:go OR env:prod", True, id="or"),
        pytest.param("-env:prod", False, id="minus"),
        pytest.param("NOT env:dev", True, id="not"),
        pytest.param("service:(billing OR payments-api)", True, id="key-group"),
        pytest.param("TypeError", True, id="free-text-substring"),
        pytest.param("typeerror", True, id="free-text-case-insensitive"),
        pytest.param('"has no len"', True, id="free-text-phrase"),
        pytest.param('"has no size"', False, id="free-text-phrase-miss"),
        pytest.param("TypeError*len", False, id="free-text-wildcard-per-field"),
        pytest.param("None*len", True, id="free-text-wildcard-inside"),
        pytest.param("KeyError", False, id="free-text-miss"),
        pytest.param('service:"payments-*"', False, id="quoted-star-literal"),
        pytest.param(r"@weird:a\*b", True, id="escaped-star-literal"),
        pytest.param(r"@weird:a\*?", True, id="escaped-star-with-wildcard"),
        pytest.param("@weird:n?a", True, id="question-matches-slash"),
        pytest.param("@count:>5", True, id="gt"),
        pytest.param("@count:>12", False, id="gt-strict"),
        pytest.param("@count:>=12", True, id="ge"),
        pytest.param("@count:[1 TO 12]", True, id="range-inclusive"),
        pytest.param("@count:{1 TO 12}", False, id="range-exclusive"),
        pytest.param("@weird:>0", False, id="range-non-number"),
        pytest.param("service:>0", False, id="range-on-text"),
        pytest.param("@language:go OR service:payments-api env:dev", False, id="precedence"),
        pytest.param("@language:go OR service:payments-api env:prod", True, id="precedence-or"),
    ],
)
def test_matches(query: str, expected: bool) -> None:
    assert matches(parse(query), ISSUE) is expected


def test_matches_short_circuits_and_looks_up_by_key() -> None:
    issue = FakeIssue({"service": ["a"]})
    assert matches(parse("service:b env:prod @x:y"), issue) is False
    assert issue.calls == ["service"]


def test_matches_is_fast_enough_for_thousands_of_issues() -> None:
    node = parse("service:pay* AND (@language:python OR env:prod) -TimeoutError")
    issues = [
        FakeIssue({"service": [f"pay-{i}"], "@language": ["python"], None: ["x"]})
        for i in range(5000)
    ]
    assert sum(matches(node, issue) for issue in issues) == 5000


def test_terms_are_hashable_values() -> None:
    assert parse("service:a*") == parse("service:a*")
    assert len({parse("service:a*"), parse("service:a*")}) == 1
