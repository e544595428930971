"""Is a fal proxy route open? Two GETs that cost nothing, and what their answers mean.

fal's server proxy (``@fal-ai/server-proxy``) forwards a request carrying the
``x-fal-target-url`` header to that URL with the site's own key, unless its configuration
refuses: its own answers are short JSON strings, 400 ``"Invalid request"`` (no target, a
target it does not allow) and 401 ``"Unauthorized"`` (not authenticated, or no key to use).

1. a **control** GET of the route with no target: a proxy answers 400, a site without one
   its 404 page (or, for a single-page app, its page);
2. the **probe**: a GET through the route of the queue status of a request id that does
   not exist (``https://queue.fal.run/fal-ai/fast-sdxl/requests/<random uuid>/status``),
   with no credentials and no cookies. Reading a status runs nothing and costs nothing; a
   GET never reaches the proxy's endpoint check, which only guards POSTs.

If fal's own answer comes back (a JSON object, as fal answers an unknown request id), the
proxy spent the site's key on a stranger's request: it is open. Its own 401/400 means
closed; a 404 or a page means there is no proxy there (a 405 to the control GET may be a route
that takes only POST: unclear). Never a POST or a PUT: running a
model costs money.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from falguard.sources.site.http import Answer, Fetcher

TARGET_HEADER = "x-fal-target-url"
DEFAULT_ROUTE = "/api/fal/proxy"
STATUS_URL = "https://queue.fal.run/fal-ai/fast-sdxl/requests/{request_id}/status"
OPEN, CLOSED, ABSENT, UNCLEAR = "open", "closed", "absent", "unclear"
_OWN_ANSWERS = {"Unauthorized", "Invalid request"}
_FAL_FIELDS = ("detail", "status", "request_id", "error")


@dataclass(frozen=True)
class ProxyVerdict:
    url: str
    state: str  # open | closed | absent | unclear
    detail: str


def check_proxy(fetcher: Fetcher, url: str) -> ProxyVerdict:
    """The route at ``url`` (same origin), asked the two questions above."""
    control = fetcher.get(url)
    if control.status == 405:
        return ProxyVerdict(
            url, UNCLEAR, "answers a GET with 405: a route that takes only POST may be there, and falguard never POSTs"
        )
    if _absent(control):
        return ProxyVerdict(url, ABSENT, f"no proxy here (HTTP {control.status}{_kind(control)})")
    target = STATUS_URL.format(request_id=uuid.uuid4())
    probe = fetcher.get(url, {TARGET_HEADER: target, "Accept": "application/json"})
    return judge(url, control, probe)


def judge(url: str, control: Answer, probe: Answer) -> ProxyVerdict:
    """What the probe's answer, against the control's, says about the route."""
    seen = _json(probe)
    if isinstance(seen, dict) and any(name in seen for name in _FAL_FIELDS) and _json(control) != seen:
        return ProxyVerdict(
            url, OPEN,
            f"a GET with {TARGET_HEADER} and no credentials reached fal through it (fal answered HTTP "
            f"{probe.status} for an unknown request id): any visitor can call fal on the site's key",
        )  # fmt: skip
    if probe.status in (401, 403) or (probe.status == 400 and seen in _OWN_ANSWERS):
        return ProxyVerdict(url, CLOSED, f"refuses a visitor with no credentials (HTTP {probe.status} {seen!r})")
    if _absent(probe):
        return ProxyVerdict(url, ABSENT, f"no proxy here (HTTP {probe.status}{_kind(probe)})")
    return ProxyVerdict(url, UNCLEAR, f"an answer falguard cannot read as fal's or the proxy's (HTTP {probe.status})")


def _absent(answer: Answer) -> bool:
    if answer.refused_redirect:
        return True
    return answer.status in (404, 410) or answer.content_type in ("text/html", "application/xhtml+xml")


def _kind(answer: Answer) -> str:
    if answer.refused_redirect:
        return f", a redirect to {answer.refused_redirect}, not followed"
    return f", {answer.content_type}" if answer.content_type else ""


def _json(answer: Answer) -> Any:
    if "json" not in answer.content_type and answer.body.lstrip()[:1] not in (b"{", b'"'):
        return None
    try:
        return json.loads(answer.body[: 64 << 10])
    except ValueError:
        return None
