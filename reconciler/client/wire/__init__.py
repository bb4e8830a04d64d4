"""JSON:API documents of the Datadog API <-> model value objects; pure, no network.

The real API differs from its OpenAPI spec in small ways (api-notes sections 4 and
12): empty strings stand for absent values, error bodies come as JSON:API objects
or as plain strings, and some attributes are simply missing. This module absorbs
all of that so the rest of the code only sees `model` objects.
"""

from .bodies import decode, error_detail
from .issues import ISSUE_TYPE, SearchCounts, parse_issue, parse_issue_document
from .requests import assignee_body, search_body, state_body
from .search import IssueMemo, SearchPage, parse_search_document
from .users import UsersPage, parse_user, parse_users_document

__all__ = [
    "ISSUE_TYPE",
    "IssueMemo",
    "SearchCounts",
    "SearchPage",
    "UsersPage",
    "assignee_body",
    "decode",
    "error_detail",
    "parse_issue",
    "parse_issue_document",
    "parse_search_document",
    "parse_user",
    "parse_users_document",
    "search_body",
    "state_body",
]
