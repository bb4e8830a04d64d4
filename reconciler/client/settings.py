"""Connection settings (CONTRACT section 3): the keys, the site and the API base URL."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from reconciler.errors import SettingsError

SITES = (
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "uk1.datadoghq.com",
    "ddog-gov.com",
    "us2.ddog-gov.com",
)
DEFAULT_SITE = "datadoghq.com"
# The web UI host of each site (api-notes 7); the others serve the UI on the site itself.
_UI_HOSTS = {
    "datadoghq.com": "app.datadoghq.com",
    "datadoghq.eu": "app.datadoghq.eu",
    "ddog-gov.com": "app.ddog-gov.com",
}


@dataclass(frozen=True, repr=False)
class Credentials:
    """The API and application keys; they are sent as headers and shown nowhere else.

    Raises SettingsError when a key holds spaces or control characters.
    """

    api_key: str
    app_key: str

    def __post_init__(self) -> None:
        for variable, value in (("DD_API_KEY", self.api_key), ("DD_APP_KEY", self.app_key)):
            # A newline or a non-ASCII byte would make httpx quote the header in its error.
            if not value.isascii() or not value.isprintable() or value != value.strip():
                raise SettingsError(
                    variable, f"{variable} contains spaces or control characters; set it again"
                )

    def __repr__(self) -> str:
        return "Credentials(api_key=<hidden>, app_key=<hidden>)"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Credentials:
        """Keys from DD_API_KEY and DD_APP_KEY (else DD_APPLICATION_KEY); raises SettingsError."""
        api_key = env.get("DD_API_KEY", "").strip()
        app_key = env.get("DD_APP_KEY", "").strip() or env.get("DD_APPLICATION_KEY", "").strip()
        missing: list[tuple[str, str]] = []
        if not api_key:
            missing.append(("DD_API_KEY", "the organization's API key as DD_API_KEY"))
        if not app_key:
            missing.append(
                ("DD_APP_KEY", "an application key as DD_APP_KEY (or DD_APPLICATION_KEY)")
            )
        if missing:
            names = " and ".join(name for name, _ in missing)
            verb = "is" if len(missing) == 1 else "are"
            todo = " and ".join(hint for _, hint in missing)
            raise SettingsError(names, f"{names} {verb} not set: export {todo}")
        return cls(api_key=api_key, app_key=app_key)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _checked_api_url(url: str, origin: str) -> str:
    """`url` without its trailing slash; raises SettingsError unless https:// or loopback."""
    url = url.strip()
    parts = urlsplit(url)
    if "@" in parts.netloc:
        # Checked first, and the URL is not echoed: the part before "@" may be a password.
        raise SettingsError(
            origin,
            f"{origin} contains user information (user:password@host), which is refused: "
            "the keys go in DD_API_KEY and DD_APP_KEY; give only scheme, host and port",
        )
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 -- parsing the port is what validates it
    except ValueError:
        host = ""
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise SettingsError(
            origin, f"{origin} {url!r} is not a base URL such as https://api.datadoghq.com"
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise SettingsError(
            origin,
            f"{origin} {url!r} must use https:// (plain http:// is only allowed for "
            "loopback hosts: 127.0.0.0/8, ::1, localhost)",
        )
    return url.rstrip("/")


def resolve_api_url(site: str | None, api_url: str | None, env: Mapping[str, str]) -> str:
    """The API base URL: --api-url > DD_API_URL > --site > DD_SITE > datadoghq.com;
    raises SettingsError on an unknown site or an unsafe URL."""
    if api_url:
        return _checked_api_url(api_url, "--api-url")
    if env.get("DD_API_URL", "").strip():
        return _checked_api_url(env["DD_API_URL"], "DD_API_URL")
    origin, chosen = ("--site", site) if site else ("DD_SITE", env.get("DD_SITE", ""))
    chosen = chosen.strip().lower() or DEFAULT_SITE
    if chosen not in SITES:
        raise SettingsError(
            origin, f"{origin} {chosen!r} is not a Datadog site; use one of: {', '.join(SITES)}"
        )
    return f"https://api.{chosen}"


def site_label(api_url: str) -> str:
    """The site an API URL belongs to, for messages; else the URL's host (and port)."""
    host = urlsplit(api_url).netloc.lower()
    site = host.removeprefix("api.")
    return site if host.startswith("api.") and site in SITES else host


def resolve_ui_host(site: str | None, api_url: str | None, env: Mapping[str, str]) -> str | None:
    """The web UI host issue links point at: that of --site / DD_SITE; with --api-url or
    DD_API_URL and no site, None (no links). Raises SettingsError on an unknown site."""
    chosen = (site or env.get("DD_SITE", "")).strip().lower()
    overridden = bool(api_url or env.get("DD_API_URL", "").strip())
    if not chosen:
        if overridden:
            return None
        chosen = DEFAULT_SITE
    if chosen not in SITES:
        origin = "--site" if site else "DD_SITE"
        raise SettingsError(
            origin, f"{origin} {chosen!r} is not a Datadog site; use one of: {', '.join(SITES)}"
        )
    return _UI_HOSTS.get(chosen, chosen)
