"""The sandbox's Starlette application: the Error Tracking issue endpoints and the Users list."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reconciler.model import State, is_uuid
from reconciler.sandbox import jsonapi
from reconciler.sandbox.errors import ApiAnswer
from reconciler.sandbox.knobs import JSONAPI, Knobs, SandboxMiddleware
from reconciler.sandbox.records import SandboxIssue
from reconciler.sandbox.search import parse_criteria
from reconciler.sandbox.store import Store

ISSUE_PATH = "/api/v2/error-tracking/issues/{issue_id}"
_SEARCH_INCLUDES = {"issue", "issue.assignee", "issue.case", "issue.team_owners"}
_GET_INCLUDES = {"assignee", "case", "team_owners"}
_USER_STATUSES = {"active": "Active", "pending": "Pending", "disabled": "Disabled"}


class JsonApiResponse(JSONResponse):
    """A compact JSON body with the content type the real error-tracking API sends."""

    media_type = JSONAPI

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode()


class UsersResponse(JSONResponse):
    """A compact JSON body; the Users API answers plain application/json."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode()


class _Endpoints:
    """The handlers, bound to one store and to the knobs of the middleware in front of them."""

    def __init__(self, store: Store, middleware: list[SandboxMiddleware]) -> None:
        self.store = store
        self._middleware = middleware
        self._encoded = jsonapi.EncodedIssues()

    @property
    def knobs(self) -> Knobs:
        return self._middleware[0].knobs

    async def search(self, request: Request) -> Response:
        includes = _includes(request, _SEARCH_INCLUDES)
        criteria = parse_criteria(await _json_body(request))
        issues = self.store.search(criteria)
        results = [self._encoded.search_result(issue) for issue in issues]
        included = None
        if "issue" in includes:
            wanted = {name.removeprefix("issue.") for name in includes if name != "issue"}
            related = jsonapi.included_for(issues, self.store, wanted, for_search=True)
            included = [self._encoded.issue_resource(issue) for issue in issues]
            included += [jsonapi.encode(resource) for resource in related]
        return Response(jsonapi.encoded_document(results, included), media_type=JSONAPI)

    async def get_issue(self, request: Request) -> Response:
        includes = _includes(request, _GET_INCLUDES)
        issue = self._existing(request)
        body: dict[str, Any] = {"data": jsonapi.issue_resource(issue)}
        if includes:
            body["included"] = jsonapi.included_for([issue], self.store, includes)
        return JsonApiResponse(body)

    async def update_state(self, request: Request) -> Response:
        # The real API answered 404 before looking at the body, so existence is checked first.
        issue = self._existing(request)
        body = await _json_body(request)
        data = body.get("data") if isinstance(body, dict) else None
        attrs = data.get("attributes") if isinstance(data, dict) else None
        if not isinstance(attrs, dict) or "state" not in attrs:
            raise ApiAnswer(400, "invalid json body: data.attributes.state is required")
        try:
            state = State(attrs["state"])
        except ValueError:
            raise ApiAnswer(400, f'invalid json value for IssueState: "{attrs["state"]}"') from None
        updated = self.store.set_state(issue.id, state) or issue
        return self._written(updated)

    async def update_assignee(self, request: Request) -> Response:
        issue = self._existing(request)
        body = await _json_body(request)
        data = body.get("data") if isinstance(body, dict) else None
        user_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(user_id, str):
            raise ApiAnswer(400, "invalid json body: data.id is required")
        if not is_uuid(user_id):
            raise ApiAnswer(400, f"invalid UUID length: {len(user_id)}")
        # Documented choice: an unknown user is a 404, like an unknown issue.
        if self.store.user(user_id) is None:
            raise ApiAnswer(404, "user not found")
        updated = self.store.set_assignee(
            issue.id, user_id, auto_acknowledge=self.knobs.auto_acknowledge
        )
        return self._written(updated or issue)

    async def delete_assignee(self, request: Request) -> Response:
        issue = self._existing(request)
        self.store.remove_assignee(issue.id)
        return Response(status_code=204)

    async def list_users(self, request: Request) -> Response:
        params = request.query_params
        try:
            size = int(params.get("page[size]", "10"))
            number = int(params.get("page[number]", "0"))
        except ValueError:
            return UsersResponse({"errors": ["page parameters must be integers"]}, 400)
        if not 0 < size <= 100 or number < 0:
            return UsersResponse({"errors": ["page[size] must be between 1 and 100"]}, 400)
        descending = params.get("sort", "").startswith("-") or params.get("sort_dir") == "desc"
        users = sorted(
            self.store.users(),
            key=lambda u: ((u.name or "").lower(), u.email),
            reverse=descending,
        )
        total = len(users)
        needle = params.get("filter", "").lower()
        if needle:
            users = [
                u
                for u in users
                if needle in u.email.lower()
                or needle in u.handle.lower()
                or needle in (u.name or "").lower()
            ]
        statuses = {
            _USER_STATUSES.get(s.strip().lower(), s.strip())
            for s in params.get("filter[status]", "").split(",")
            if s.strip()
        }
        if statuses:
            users = [u for u in users if u.status in statuses]
        page = users[number * size : (number + 1) * size]
        return UsersResponse(jsonapi.users_document(page, total, len(users)))

    def _existing(self, request: Request) -> SandboxIssue:
        issue_id = request.path_params["issue_id"]
        if not is_uuid(issue_id):
            raise ApiAnswer(400, "issue id is not an uuid")
        issue = self.store.issue(issue_id)
        if issue is None:
            raise ApiAnswer(404, "issue not found")
        return issue

    def _written(self, issue: SandboxIssue) -> Response:
        # The write endpoints include the case and the user even without `include`,
        # and the user's attributes come back blank (as recorded).
        body: dict[str, Any] = {"data": jsonapi.issue_resource(issue)}
        included = jsonapi.included_for([issue], self.store, {"case", "assignee"}, blank_users=True)
        if included:
            body["included"] = included
        return JsonApiResponse(body)


def _includes(request: Request, allowed: set[str]) -> set[str]:
    raw = request.query_params.get("include", "")
    names = {name.strip() for name in raw.split(",") if name.strip()}
    unknown = names - allowed
    if unknown:
        raise ApiAnswer(400, f"invalid include value: {sorted(unknown)[0]}")
    return names


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiAnswer(400, f"invalid json body: {exc.__class__.__name__}") from exc


async def _api_error(request: Request, exc: Exception) -> Response:
    status = exc.status if isinstance(exc, ApiAnswer) else 500
    detail = exc.detail if isinstance(exc, ApiAnswer) else "internal error"
    return JsonApiResponse(jsonapi.error_document(status, detail), status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    return JsonApiResponse(jsonapi.error_document(status, str(detail)), status_code=status)


def create_app(store: Store, knobs: Knobs) -> Starlette:
    """The sandbox as an ASGI application over `store`, behaving as `knobs` say."""
    holder: list[SandboxMiddleware] = []
    endpoints = _Endpoints(store, holder)
    routes = [
        Route("/api/v2/error-tracking/issues/search", endpoints.search, methods=["POST"]),
        Route(ISSUE_PATH, endpoints.get_issue, methods=["GET"]),
        Route(ISSUE_PATH + "/state", endpoints.update_state, methods=["PUT"]),
        Route(ISSUE_PATH + "/assignee", endpoints.update_assignee, methods=["PUT"]),
        Route(ISSUE_PATH + "/assignee", endpoints.delete_assignee, methods=["DELETE"]),
        Route("/api/v2/users", endpoints.list_users, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={ApiAnswer: _api_error, HTTPException: _http_error},
    )
    inner = app.build_middleware_stack()
    middleware = SandboxMiddleware(inner, store, knobs, list(app.routes))
    holder.append(middleware)
    app.middleware_stack = middleware
    app.state.sandbox = middleware
    return app
