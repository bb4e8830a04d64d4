"""The sandbox evaluates the search syntax as `reconciler.query` does: quoting, escapes,
negation, and the `(Q) key:"v"` / `(Q) -key:"v"` halves a query is split into."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest

from reconciler.model import Persona, SearchRequest
from reconciler.query import matches, parse
from reconciler.sandbox import Store, serve_in_thread
from reconciler.sandbox.index import SearchIndex
from reconciler.sandbox.records import SandboxIssue
from reconciler.sandbox.search import facet_lookup, select

NOW = 1_780_000_000_000
DAY = 86_400_000
KEYS = {"DD-API-KEY": "k", "DD-APPLICATION-KEY": "a"}
SEARCH = "/api/v2/error-tracking/issues/search"

# (service, error type, message): values that need quoting or escaping.
SPECIAL = [
    ("a b", "x.y", "plain"),
    ('say "hi"', "java.lang.NullPointerException", 'the "quoted" one'),
    ("back\\slash", "x.y", "C:\\temp not found"),
    ("f(x)", "", "empty error type"),
    ("a:b", "Error", "colon in the service"),
    ("star*", "Error", "a literal star"),
    ("starry", "Error", "matches star* only as a wildcard"),
    ("ünï-api", "UnicodeError", "naïve"),
    ("-dash", "x.y", "starts like a negation"),
    ("A B", "X.Y", "other case"),
]


def _issue(n: int, service: str, error_type: str, message: str) -> SandboxIssue:
    return SandboxIssue(
        id=f"00000000-0000-4000-8000-{n:012d}",
        service=service,
        error_type=error_type,
        error_message=message,
        first_seen=NOW - 3 * DAY,
        last_seen=NOW - DAY,
        total_count=100 - n,
    )


ISSUES = [_issue(n, *values) for n, values in enumerate(SPECIAL)]
BY_SERVICE = {issue.service: issue.id for issue in ISSUES}


def quote(value: str) -> str:
    """A value quoted for the search syntax: `\\` and `"` escaped with `\\`."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ids(issues: list[SandboxIssue]) -> list[str]:
    return [issue.id for issue in issues]


def _criteria(query: str) -> SearchRequest:
    return SearchRequest(query, NOW - 30 * DAY, NOW + 1, persona=Persona.ALL)


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    with (
        serve_in_thread(Store(issues=ISSUES)) as sandbox,
        httpx.Client(base_url=sandbox.url, headers=KEYS, timeout=5) as client,
    ):
        yield client


def _search(api: httpx.Client, query: str) -> list[str]:
    body = {"data": {"type": "search_request", "attributes": {
        "query": query, "from": NOW - 30 * DAY, "to": NOW + 1, "persona": "ALL"}}}  # fmt: skip
    response = api.post(SEARCH, json=body)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


@pytest.mark.parametrize(
    ("query", "services"),
    [
        ('service:"a b"', ["a b", "A B"]),
        (r"service:a\ b", ["a b", "A B"]),
        (r'service:"say \"hi\""', ['say "hi"']),
        (r"service:say\ \"hi\"", ['say "hi"']),
        (r'service:"back\\slash"', ["back\\slash"]),
        ('service:"f(x)"', ["f(x)"]),
        (r"service:f\(x\)", ["f(x)"]),
        ('service:"a:b"', ["a:b"]),
        ('service:"star*"', ["star*"]),
        (r"service:star\*", ["star*"]),
        ("service:star*", ["star*", "starry"]),
        ('service:"ünï-api"', ["ünï-api"]),
        ('service:"-dash"', ["-dash"]),
        ('@error.type:"x.y"', ["a b", "back\\slash", "-dash", "A B"]),
        ("@error.type:x.y", ["a b", "back\\slash", "-dash", "A B"]),
        ('@error.type:""', ["f(x)"]),
        ('@error.message:"the \\"quoted\\" one"', ['say "hi"']),
        ('"C:\\\\temp"', ["back\\slash"]),
        ('(*) service:"a b"', ["a b", "A B"]),
        ('(*) -service:"a b"', [s for s, _, _ in SPECIAL if s.lower() != "a b"]),
        ('(@error.type:"x.y") -service:"-dash"', ["a b", "back\\slash", "A B"]),
        ('-(service:"a b" OR @error.type:Error)', ['say "hi"', "back\\slash", "f(x)", "ünï-api",
                                                    "-dash"]),
    ],
)  # fmt: skip
def test_quoted_escaped_and_negated_values(
    api: httpx.Client, query: str, services: list[str]
) -> None:
    expected = [BY_SERVICE[s] for s in services]
    found = _search(api, query)
    assert sorted(found) == sorted(expected)
    # The query package, issue by issue, decides the same.
    node = parse(query)
    assert sorted(found) == sorted(i.id for i in ISSUES if matches(node, facet_lookup(i)))


QUERIES = ["*", "service:*a*", '@error.type:"x.y" OR service:star*', "-@error.type:Error"]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("key", ["service", "@error.type"])
def test_a_query_split_on_a_facet_value_partitions_it(query: str, key: str) -> None:
    # `(Q) key:"v"` and `(Q) -key:"v"` hold exactly Q's issues between them, and none twice.
    index = SearchIndex(ISSUES)
    whole = set(_ids(index.search(_criteria(query))))
    values = {issue.service if key == "service" else issue.error_type for issue in ISSUES}
    for value in sorted(values):
        part = f"{key}:{quote(value)}"
        inside = _ids(index.search(_criteria(f"({query}) {part}")))
        outside = _ids(index.search(_criteria(f"({query}) -{part}")))
        assert set(inside) | set(outside) == whole
        assert not set(inside) & set(outside)
        for halves in (f"({query}) {part}", f"({query}) -{part}"):
            assert _ids(index.search(_criteria(halves))) == _ids(select(ISSUES, _criteria(halves)))


def test_recursive_splits_stay_a_partition(api: httpx.Client) -> None:
    # Two levels, as a splitter that recurses on a still-full half would send them.
    whole = set(_search(api, "*"))
    for service, error in itertools.product(("a b", 'say "hi"', "back\\slash"), ("x.y", "")):
        found = [
            set(_search(api, f"((*) {a}service:{quote(service)}) {b}@error.type:{quote(error)}"))
            for a, b in itertools.product(("", "-"), repeat=2)
        ]
        assert set().union(*found) == whole
        assert sum(len(part) for part in found) == len(whole)
