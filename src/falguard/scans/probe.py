"""`falguard probe URL`: a deployed site through the one pipeline, then its proxy routes.

The source (:class:`falguard.sources.site.source.SiteSource`) yields what the site serves, every
content rule scans it, and the :class:`ProxyCheck` analyser then asks the default proxy
route and every ``proxyUrl`` the scripts named whether it is open
(:mod:`falguard.browser.proxycheck`): an open one is a ``fal-proxy-open`` finding, high, with
its URL as the path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from falguard.config import Config
from falguard.models import ScanResult, Severity
from falguard.scans import pipeline
from falguard.scans.pipeline import Analyser, Stages

if TYPE_CHECKING:
    from falguard.browser.proxycheck import ProxyVerdict
    from falguard.detection.facts import Finding
    from falguard.sources.site.http import Limits
    from falguard.sources.site.source import SiteSource

PROXY_OPEN = "fal-proxy-open"


class ProxyCheck(Analyser):
    """The proxy routes of the site the source read: the default one and those it names."""

    def __init__(self, source: SiteSource) -> None:
        self.source = source
        self.verdicts: list[ProxyVerdict] = []

    def finish(self, findings: list[Finding], result: ScanResult) -> list[Finding]:
        from falguard.browser.proxycheck import DEFAULT_ROUTE, OPEN, check_proxy
        from falguard.detection.findings import repository_finding
        from falguard.sources.site.http import BudgetSpent, FetchFailed

        routes = dict.fromkeys([self.source.resolve(DEFAULT_ROUTE), *self.source.proxy_urls])
        found = list(findings)
        for url in routes:
            try:
                verdict = check_proxy(self.source.fetcher, url)
            except (BudgetSpent, FetchFailed) as error:
                result.summary.incomplete.append(f"proxy route {url} not checked: {error}")
                continue
            self.verdicts.append(verdict)
            if verdict.state == OPEN:
                found.append(repository_finding(PROXY_OPEN, url, verdict.detail, severity=Severity.HIGH, source="site"))
        return found


@dataclass
class Probe:
    """What a probe found: the scan's result and what each proxy route answered."""

    result: ScanResult
    verdicts: list[ProxyVerdict] = field(default_factory=list)


def probe_site(url: str, limits: Limits, config: Config = Config(), stages: Stages = Stages()) -> Probe:
    """Read the site at ``url`` within ``limits``, scan it, check its proxy routes."""
    from falguard.sources.site.source import SiteSource

    source = SiteSource(url, limits)
    check = ProxyCheck(source)
    try:
        result = pipeline.run(source, config, [check], stages)
    finally:
        source.fetcher.close()
    return Probe(result, check.verdicts)
