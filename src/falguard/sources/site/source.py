"""A deployed site (``falguard probe URL``): what a browser downloads from it, as items.

The page, the scripts it loads and preloads, the scripts those name (Next.js chunk lists,
Vite imports), their source maps' original sources (``sourcesContent``), and the paths
where sites publish their environment to the browser. Every item's path is the URL it was
served from (a source map's sources: ``<map URL>!<source name>``) and it is marked served:
a key in it is every visitor's.

Only the origin the user named is read (scripts and redirects elsewhere are listed, not
followed); every bound the client hits (requests, bytes, time) is noted in the summary as
what was cut. The ``proxyUrl`` values the scripts configure are collected for the proxy
check that follows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from falguard.errors import InputError
from falguard.models import Origin, Summary
from falguard.sources import Exclusion, Item, accept
from falguard.sources.site import discover
from falguard.sources.site.http import Answer, BudgetSpent, Fetcher, FetchFailed, Limits

PAGE, SCRIPT, ENV, MAP = "page", "script", "env", "map"


class SiteSource:
    """Items from the site at ``url``; ``fetcher`` and ``proxy_urls`` stay for the proxy check."""

    def __init__(self, url: str, limits: Limits = Limits()) -> None:
        self.url = url
        self.limits = limits
        self.fetcher = Fetcher(url, limits)
        self.proxy_urls: list[str] = []
        self._queue: deque[tuple[str, str]] = deque()
        self._seen: set[str] = set()
        self._dropped = 0

    def items(self, summary: Summary, excluded: Exclusion) -> Iterator[Item]:
        self.fetcher.holding_back = True  # requests, bytes and time for the proxy check
        try:
            yield from self._assets(summary)
        finally:
            self.fetcher.holding_back = False

    def _assets(self, summary: Summary) -> Iterator[Item]:
        page = self._page()
        yield from self._item(page, summary)
        yield from self._learn(page, PAGE, summary)
        for path in discover.ENV_PATHS:
            self._push(self.resolve(path), ENV, summary)
        while self._queue:
            url, kind = self._queue.popleft()
            try:
                answer = self.fetcher.get(url)
            except BudgetSpent as spent:
                left = len(self._queue) + 1 + self._dropped
                summary.incomplete.append(
                    f"{self.url}: stopped after {self.fetcher.requests} requests: {spent}: {left:,} more URLs not fetched"
                )
                return
            except FetchFailed as error:
                summary.unreadable.append(str(error))
                continue
            if self._usable(answer, kind, summary):
                yield from self._item(answer, summary, kind)
                yield from self._learn(answer, kind, summary)

    def resolve(self, path: str) -> str:
        """``path`` on the site (``/api/fal/proxy``), as a URL."""
        from urllib.parse import urljoin

        return urljoin(self.url, path)

    def _page(self) -> Answer:
        try:
            answer = self.fetcher.get(self.url)
        except (FetchFailed, BudgetSpent) as error:
            reason = str(error).removeprefix(f"{self.url}: ")  # the fetcher's messages start with the URL
            raise InputError(f"cannot read {self.url}: {reason}") from None
        if answer.refused_redirect:
            raise InputError(
                f"{self.url} redirects to another origin ({answer.refused_redirect}): probe that URL instead"
            )
        if answer.status >= 400:
            raise InputError(f"{self.url} answers HTTP {answer.status}: nothing to probe")
        self._seen.update((self.url, answer.url))
        return answer

    def _usable(self, answer: Answer, kind: str, summary: Summary) -> bool:
        if answer.refused_redirect:
            summary.skipped_paths.append(
                f"{answer.url} (redirects to {answer.refused_redirect}: another origin, not followed)"
            )
            return False
        if answer.status != 200:
            if kind in (SCRIPT, MAP):
                summary.skipped_paths.append(f"{answer.url} (HTTP {answer.status})")
            return False
        return not (kind in (SCRIPT, ENV) and discover.looks_like_html(answer.content_type, answer.body))

    def _item(self, answer: Answer, summary: Summary, kind: str = PAGE) -> Iterator[Item]:
        if answer.cut:
            summary.incomplete.append(f"{answer.url}: {answer.cut}")
        origin = Origin(answer.url, source="site", served=True)
        if kind != MAP:
            item = accept(answer.body, origin, summary, self.limits.max_asset_bytes + 1)
            if item is not None:
                yield item
            return
        yield from self._map_items(answer.url, answer.body, summary, cut=answer.cut is not None)

    def _map_items(self, url: str, data: bytes, summary: Summary, *, cut: bool = False) -> Iterator[Item]:
        """A map's original sources, each an item; a map that cannot be parsed (cut at its
        bound, or not JSON) is scanned as it is: its sources are in it, JSON-escaped."""
        try:
            sources = discover.map_sources(data)
        except ValueError as error:
            if not cut:
                summary.unreadable.append(f"{url}: {error}: scanned as text")
            item = accept(data, Origin(url, source="site", served=True), summary, self.limits.max_asset_bytes + 1)
            if item is not None:
                yield item
            return
        for name, text in sources:
            origin = Origin(f"{url}!{name}", source="site", served=True)
            item = accept(text.encode("utf-8", "surrogatepass"), origin, summary, self.limits.max_asset_bytes + 1)
            if item is not None:
                yield item

    def _learn(self, answer: Answer, kind: str, summary: Summary) -> Iterator[Item]:
        """Queue what ``answer`` names, note the proxy URLs it configures, and yield the
        sources of a source map it carries inline."""
        if kind == MAP:
            return
        body = answer.body
        for proxy in discover.proxy_urls(answer.url, body):
            if not self.fetcher.same_origin(proxy):
                summary.skipped_paths.append(f"{proxy} (a proxyUrl on another origin: not checked)")
            elif proxy not in self.proxy_urls:
                self.proxy_urls.append(proxy)
        if kind == PAGE and discover.looks_like_html(answer.content_type, body):
            scripts = discover.page_scripts(answer.url, body)
            for url in [*scripts, *discover.next_manifests(answer.url, body)]:
                self._push(url, SCRIPT, summary, listed=True)
            # inline scripts name chunks too (Next.js's App Router flight data)
            for url in discover.script_references(answer.url, body, discover.next_root_of(scripts)):
                self._push(url, SCRIPT, summary)
            return
        for url in discover.script_references(answer.url, body):  # (a page URL that names a script: listed)
            self._push(url, SCRIPT, summary, listed=kind == PAGE)
        reference = discover.source_map_reference(answer.url, answer.body, answer.headers)
        if reference is None:
            return
        inline = discover.inline_source_map(reference)
        if inline is not None:
            yield from self._map_items(f"{answer.url}!sourceMappingURL", inline, summary)
        else:
            self._push(reference, MAP, summary, listed=True)

    def _push(self, url: str, kind: str, summary: Summary, *, listed: bool = False) -> None:
        url = url.partition("#")[0]
        if url in self._seen:
            return
        self._seen.add(url)
        if not self.fetcher.same_origin(url):
            if listed:  # a script the page loads from elsewhere (a CDN, analytics): not ours to read
                summary.skipped_paths.append(f"{url} (another origin: not fetched)")
            return
        if len(self._queue) >= 10 * self.limits.max_requests:
            self._dropped += 1
            return
        self._queue.append((url, kind))
