"""``fal-proxy-open`` as ``falguard probe`` finds it on a deployed site: a proxy route that
forwarded a request with no credentials to fal (:mod:`falguard.browser.proxycheck`).

The content rule of the same id (a proxy route in code whose options leave it open) is the
rule's home; this description stands in until it is registered, and gives way to it when it
is (see ``rules._every_rule``).
"""

from __future__ import annotations

from falguard.models import Severity
from falguard.rules.common import RuleInfo

RULE_INFO = RuleInfo(
    id="fal-proxy-open",
    severity=Severity.HIGH,  # medium when only one of the two guards is missing (code)
    title="fal proxy open to any visitor",
    description=(
        "A fal server-proxy route (@fal-ai/server-proxy) that spends the site's own FAL_KEY on any visitor's "
        "request to any fal endpoint: allowedEndpoints empty (every endpoint) and allowUnauthorizedRequests "
        "true (anyone), the adapters' defaults; or, found by `falguard probe`, a deployed route that forwarded "
        "a request with no credentials to fal. A credit faucet: strangers run models on the owner's bill."
    ),
    remediation=(
        "Pass the proxy a configuration: allowedEndpoints listing the models the app calls, isAuthenticated "
        "checking the app's own session and allowUnauthorizedRequests: false; or, for a public playground, "
        "bring-your-own-key (resolveFalAuth returns the visitor's x-fal-user-key, the site sets no FAL_KEY)."
    ),
    steps=(
        "{remediation}",
        "Redeploy, then check the route again with `falguard probe <site URL>`.",
        "Check the fal dashboard's usage and billing for calls you did not make; if the key was abused, "
        "revoke it ({dashboard}) and give the server a new one.",
    ),
)
