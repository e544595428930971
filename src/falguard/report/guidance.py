"""What to do about a finding, written for fal: ordered steps computed from its facts.

The steps are data, kept with each rule (``RuleInfo.steps``) and each browser framework;
this module picks and orders them from what the finding is (a key, a browser exposure, a
hygiene problem), where the key was (committed, pushed, served, only local) and whether the
repository has browser code at all, and fills ``{which}`` (the key id), ``{path}``,
``{dashboard}``, ``{route}`` and ``{remediation}``. One group's steps (all findings of one
secret) cover all of its locations. Every output format shows the same steps.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from falguard import rules
from falguard.detection.facts import Finding
from falguard.models import Severity
from falguard.rules.common import DASHBOARD, REVOKE_STEP
from falguard.rules.proxy_routes import safe_route
from falguard.sources.buildoutput import is_served

#: ``{route}`` where no project layout is known (history, a lone file): every framework's place.
ANY_ROUTE = (
    "for your framework with @fal-ai/server-proxy (Next.js App Router: app/api/fal/proxy/route.ts, or "
    "src/app/api/fal/proxy/route.ts when the app lives under src/, containing: "
    + safe_route("nextjs-app").rstrip(";")
    + "; "
    "Pages Router: pages/api/fal/proxy.ts with createPageRouterHandler; SvelteKit: "
    "src/routes/api/fal/proxy/+server.ts with createRequestHandler from @fal-ai/server-proxy/svelte; a Vite or other "
    "single-page app: an Express server with falProxy.createHandler from @fal-ai/server-proxy/express; each with "
    "the same options)"
)


def route_text(findings: Sequence[Finding]) -> str:
    """What ``{route}`` says: the one proxy route the findings' project needs (its path and
    content, from the framework's template), or every framework's place when none is known."""
    route = next((f.proxy_route for f in findings if f.proxy_route is not None), None)
    if route is None:
        return ANY_ROUTE
    path, content = route
    return f"{path} containing: {content.rstrip('.')}"


#: Rules whose findings are about browser exposure: their fix is the framework's.
EXPOSURE_RULES = frozenset({"public-fal-key", "client-credentials", "fal-proxy-missing"})

#: Where ``--write-replacements`` puts the purge file in the steps: outside the work tree, so
#: it is never committed; the purge commands below name the same file.
REPLACEMENTS_FILE = "../fal-replacements.txt"


def purge_commands(writer: str = "falguard scan --history") -> str:
    """The purge as commands to paste, in order: get git-filter-repo, write the replacements
    file, rewrite every branch and tag, delete the file. ``--force``: filter-repo refuses a
    repository that is not a fresh clone, and the user's own is not one."""
    return (
        f"`pip install git-filter-repo` (once), then `{writer} --write-replacements {REPLACEMENTS_FILE}`, "
        f"`git filter-repo --replace-text {REPLACEMENTS_FILE} --force` (it rewrites every branch and tag and "
        f"removes the remote named origin: add it again before you force-push), and `rm {REPLACEMENTS_FILE}`"
    )


_HISTORY = (
    "The key is in git history: rotate first, because rewriting history does not un-leak a pushed key "
    "(clones, forks and caches keep it). Then, optionally, purge it: "
    + purge_commands()
    + "; force-push every branch and tag and ask collaborators to re-clone."
)
_UNPUSHED = (
    "The key is in git history, but no remote-tracking ref reaches it yet: after revoking, purge it before anyone "
    "pushes: " + purge_commands() + "."
)
_SERVED_ONLY = (
    "Find how the key reached the bundle (a fal key under next.config env, Vite define or webpack "
    "DefinePlugin, a literal in a client component) and remove it there, so the server alone reads FAL_KEY; "
    "then rebuild and redeploy, so no served file still holds it."
)


@dataclass(frozen=True)
class Facts:
    """What decides the steps of one group of findings (one secret, every place it is)."""

    key: bool  # a fal credential (not a variable name, not a path)
    exposure: bool  # browser exposure: a public variable, browser code, a served bundle
    committed: bool  # in a commit (history, or a file git tracks)
    pushed: bool  # a remote-tracking ref reaches it
    served: bool  # in build output a site serves
    unpushed: bool  # committed, and the history scan saw no remote-tracking ref reach it
    key_id: str | None = None  # the key's id, when the leaked value carries it
    stdin: bool = False  # read from standard input (a log, a paste): no repository to rotate it in
    rejected: bool = False  # --verify asked fal, and fal rejects it: nothing to revoke


def facts_of(group: Sequence[Finding], related: Sequence[Finding] = ()) -> Facts:
    """The facts of a group; ``related`` (the whole scan) tells which of its files git tracks."""
    tracked = {f.path for f in related if f.rule == "env-tracked"}
    key = any(f.secret.sensitive and _is_credential(f) for f in group)
    served = any(is_served(f.path) for f in group)
    committed = any(f.commit or f.history is not None or f.path in tracked for f in group)
    pushed = any(f.history is not None and f.history.pushed for f in group)
    histories = [f.history for f in group if f.history is not None and f.history.ref_count]
    unpushed = bool(histories) and not pushed
    exposure = served or any(f.rule in EXPOSURE_RULES or f.framework or exposed_chain(f) for f in group)
    key_id = next((f.secret.key_id for f in group if f.secret.key_id), None)
    stdin = all(f.source == "stdin" for f in group)
    verified = [f.verification.status for f in group if f.verification is not None]
    rejected = bool(verified) and all(status == "rejected" for status in verified)
    return Facts(key, exposure, committed, pushed, served, unpushed, key_id, stdin, rejected)


def _is_credential(finding: Finding) -> bool:
    info = rules.ALL_RULES.get(finding.rule)
    return (
        finding.rule == "public-fal-key" or finding.rule == "shared-key-across-envs" or bool(info and info.credential)
    )


def uses_browser(findings: Sequence[Finding]) -> bool:
    """Whether the scan saw browser exposure anywhere: a repository without it gets no proxy steps."""
    return any(f.rule in EXPOSURE_RULES or f.framework or exposed_chain(f) or is_served(f.path) for f in findings)


def exposed_chain(finding: Finding) -> bool:
    """A chain that reaches browser code or a bundle, not one only linking a key's definitions
    in several env files."""
    return any(not link.what.startswith("defines ") for link in finding.chain)


def _reaches_browser_code(finding: Finding) -> bool:
    """A chain through browser code or a bundler's inlining, where renaming the variable and a
    proxy route are the fix; not one from a server-only variable (FAL_KEY) straight to a served
    file, where how the key got into the bundle is what to find."""
    return any(not link.what.startswith(("defines ", "contains the key")) for link in finding.chain)


def revoke_step(facts: Facts) -> str:
    """Step 1 for a key: where it went, and the command that revokes it: ``falguard rotate``
    where rotate acts on it (its id is known and a repository holds it), ``falguard revoke``
    for a key read from standard input, the dashboard for a key with no id; nothing to revoke
    for a key fal already rejects."""
    if facts.rejected:
        return (
            "Nothing to revoke: fal already rejects this key (--verify asked){which}. Still remove it from where "
            "it is written, so that nobody takes it for a live one."
        )
    where = (
        " (it was served to every visitor of the site)"
        if facts.served
        else " (it was pushed: everyone with access to the remote has it)"
        if facts.pushed
        else " (it was committed, so every clone has it)"
        if facts.committed
        else " (a browser-exposed variable holds it: every deployed bundle serves it to every visitor)"
        if facts.exposure
        else " (it was in what you scanned: a log or a paste is a leak too)"
        if facts.stdin
        else ""
    )
    dashboard = "on the fal dashboard's keys page ({dashboard})"
    if facts.key_id is None:
        return (
            f"Revoke the key now{where} {dashboard} and create a new one: the leaked value does not carry its key "
            "id, so falguard cannot tell which key to delete; find it there by its alias or creation date."
        )
    if facts.stdin:
        return (
            f"Revoke the key now{where}{{which}}: `falguard revoke {facts.key_id} --yes` with an ADMIN key in "
            f"FAL_ADMIN_KEY deletes it; or revoke it {dashboard}. Then create a new key there."
        )
    return (
        f"Revoke the key now{where}{{which}}: `falguard rotate --yes` with an ADMIN key in FAL_ADMIN_KEY "
        "creates the replacement, revokes the leaked key and checks that fal rejects it; or revoke it on the fal "
        "dashboard's keys page ({dashboard}) and create a new one."
    )


def revoke_text(group: Sequence[Finding]) -> str:
    """The revoke step of one secret's findings, filled in (for the audit's stories)."""
    facts = facts_of(group)
    return _fill(revoke_step(facts), facts.key_id, group[0].path if group else "")


def steps_for_rule(rule_id: str) -> list[str]:
    """The generic steps of a rule, for rule documentation (SARIF help, docs)."""
    info = rules.ALL_RULES.get(rule_id)
    if info is None:
        return []
    return [_fill(step, None, "<file>", info.remediation) for step in info.steps] + (
        [_HISTORY] if info.credential else []
    )


def _rule_steps(rule_id: str) -> tuple[str, ...]:
    info = rules.ALL_RULES.get(rule_id)
    return info.steps if info is not None else ()


def steps(
    finding: Finding,
    group: Sequence[Finding] = (),
    *,
    related: Sequence[Finding] = (),
    browser: bool | None = None,
) -> list[str]:
    """The ordered steps for ``finding`` and the rest of its ``group`` (the same secret
    elsewhere), with its key id, path and remediation filled in. ``related`` is the whole
    scan (which files git tracks, whether the repository has browser code at all)."""
    group = tuple(group) or (finding,)
    facts = facts_of(group, related or group)
    if browser is None:
        browser = uses_browser(related or group)
    todo = list(_body(finding, group, facts, browser))
    leaked = facts.committed or facts.served or facts.exposure or facts.stdin
    if facts.key and (leaked or facts.rejected or any(_revokes(step) for step in todo)):
        own = [step for step in todo if _revokes(step) and not _fal_dashboard(step)]  # a plugin rule's own revoke
        # a rule's own words before the shared revoke step ("Check whether the value is a real fal key...")
        lead = next((step.split(REVOKE_STEP)[0] for step in todo if REVOKE_STEP in step), "")
        first = own[0] if own and not facts.rejected else lead + revoke_step(facts)
        todo = [first, *(step for step in todo if step is not first and not _revokes(step))]
        if facts.unpushed:
            todo.insert(1, _UNPUSHED)
        elif facts.committed and any(f.commit for f in group):
            todo.insert(1, _HISTORY)
    key_id = next((f.secret.key_id for f in group if f.secret.key_id), None)
    route = route_text([*group, *related])
    return [_fill(step, key_id, finding.path, finding.remediation, route) for step in todo]


def _body(finding: Finding, group: Sequence[Finding], facts: Facts, browser: bool) -> tuple[str, ...]:
    """The steps before the facts reorder them: the framework's, the exposure rule's, or the rule's."""
    exposed = next((f for f in group if f.framework and _framework_steps(f.framework)), None)
    if exposed is not None and exposed.framework is not None:
        return _framework_steps(exposed.framework)
    if any(_reaches_browser_code(f) or f.rule == "public-fal-key" for f in group):
        return rules.CHAIN_STEPS
    client = next((f for f in group if f.rule in EXPOSURE_RULES), None)
    if client is not None:
        return _rule_steps(client.rule)
    own = _rule_steps(finding.rule)
    if finding.rule == "env-tracked" and finding.history is not None and finding.history.in_head is False:
        return rules.ENV_GONE_STEPS
    if finding.rule == "env-tracked" and finding.severity is Severity.LOW:  # the file holds no secret
        return rules.ENV_NO_SECRET_STEPS
    if facts.served:
        return (_SERVED_ONLY, *(step for step in own if step is not rules.BROWSER_KEY_STEP))
    if not browser:
        return tuple(step for step in own if step is not rules.BROWSER_KEY_STEP)
    return own


def _revokes(step: str) -> bool:
    """A step that revokes the key (conditionally, or as the rule's first step): the revoke
    step replaces it."""
    return "revoke" in step.lower() and "dashboard" in step.lower() and "shared one everywhere" not in step


def _fal_dashboard(step: str) -> bool:
    return "{dashboard}" in step or DASHBOARD in step


def _framework_steps(name: str | None) -> tuple[str, ...]:
    """A browser finding's framework's own fix, if it has one (the registry is loaded only then)."""
    if name is None:
        return ()
    from falguard.browser.frameworks import steps_for

    return steps_for(name)


def _fill(step: str, key_id: str | None, path: str, remediation: str = "", route: str = ANY_ROUTE) -> str:
    which = f"; it is the key with id {key_id}" if key_id else ""
    step = in_commands(step.replace("{remediation}", remediation), "{path}", path)
    return (
        step.replace("{dashboard}", DASHBOARD)
        .replace("{which}", which)
        .replace("{path}", path)
        .replace("{route}", route)
    )


def in_commands(text: str, placeholder: str, value: str) -> str:
    """``text`` with ``placeholder`` inside its backticked commands replaced by ``value``
    quoted for a POSIX shell (``.env copy`` is one argument, not two); prose keeps it plain."""
    parts = text.split("`")
    for index in range(1, len(parts), 2):  # the odd parts are between backticks
        parts[index] = parts[index].replace(placeholder, shlex.quote(value))
    return "`".join(parts)
