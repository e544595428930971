"""`falguard probe URL`: what a deployed site serves, and whether its fal proxy is open."""

from __future__ import annotations

import click

from falguard.cli.options import ByteSize, finish, report_options
from falguard.cli.settings import Reporting, settings, stages_for
from falguard.sources.site.http import (
    DEFAULT_MAX_ASSET_BYTES,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_MAX_TOTAL_BYTES,
    DEFAULT_TIME_LIMIT,
    Limits,
    site_url,
)


@click.command()
@click.argument("url")
@click.option(
    "--max-requests", type=click.IntRange(1, 100_000), default=DEFAULT_MAX_REQUESTS, show_default=True,
    help="The most HTTP requests the probe sends, proxy checks included.",
)  # fmt: skip
@click.option(
    "--max-asset-size", type=ByteSize(), default=DEFAULT_MAX_ASSET_BYTES, show_default="8MiB",
    help="Read at most this much of one page, script or source map (decompressed); the rest is cut and reported.",
)  # fmt: skip
@click.option(
    "--max-total-size", type=ByteSize(), default=DEFAULT_MAX_TOTAL_BYTES, show_default="64MiB",
    help="Read at most this much in all (decompressed).",
)  # fmt: skip
@click.option(
    "--timeout", "time_limit", type=click.FloatRange(0.1, 3600), default=DEFAULT_TIME_LIMIT, show_default=True,
    help="Seconds the whole probe may take; one request takes at most 20 of them.",
)  # fmt: skip
@report_options
def probe(
    url: str, max_requests: int, max_asset_size: int, max_total_size: int, time_limit: float, reporting: Reporting
) -> int:
    """Check a deployed site: scan what it serves to browsers, and ask its fal proxy routes
    whether they are open.

    Reads the page at URL, the scripts it loads and preloads, the chunks those name (Next.js
    build manifests, Vite imports), their source maps' original sources, and /__ENV.js,
    /env.js and /config.js, and scans them with every rule: a key found is reported with the
    URL that served it. Then asks the proxy route at /api/fal/proxy and at every proxyUrl the
    scripts name one question that costs nothing (a GET of the status of a fal request that
    does not exist, through the proxy, with no credentials): if fal's answer comes back, the
    proxy is open to anyone (fal-proxy-open, high).

    Only URL's origin is read: scripts on other hosts and redirects to them are listed, not
    followed. GET only, never a POST or PUT; TLS verified; every bound hit is reported.
    Exit codes as for `scan`.
    """
    target = site_url(url)
    limits = Limits(max_requests, max_asset_size, max_total_size, time_limit)
    from falguard.scans.probe import probe_site

    root, config = settings([], reporting)
    found = probe_site(target, limits, config, stages_for(root, reporting))
    for verdict in found.verdicts:
        click.echo(f"falguard: proxy {verdict.url}: {verdict.state}: {verdict.detail}", err=True)
    if reporting.fmt == "text" and reporting.output is None:
        for reason in found.result.summary.incomplete:  # the report goes to stdout: say it here too
            click.echo(f"falguard: warning: cut: {reason}", err=True)
    return finish(found.result, config, reporting, ())
