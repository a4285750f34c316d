"""The plugin's settings (``stripe.*`` in the ini file), read and checked once at start-up.

The keys never stand in the ini file: each setting ``stripe.*_env`` names the environment
variable that holds one (``stripe.secret_key_env = STRIPE_SECRET_KEY``), so the file can be
committed and the keys live where the venue keeps its other secrets. The method is offered only
when ``stripe.secret_key_env`` is set; then every key must be in its variable, or the server
does not start (saying which variable is empty).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_CODE = re.compile(r"^[A-Za-z0-9_]{1,32}$")


class StripeSettingsError(ValueError):
    """A ``stripe.*`` setting (or the variable it names) is missing or wrong."""


def _int(settings: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    raw = str(settings.get(key) if settings.get(key) not in (None, "") else default).strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise StripeSettingsError(f"setting {key} must be a whole number from {low} to {high}, "
                                  f"not {raw!r}")
    return int(raw)


def _url(settings: dict[str, Any], key: str, default: str) -> str:
    raw = str(settings.get(key) or default).strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise StripeSettingsError(f"setting {key} must be an http(s) address, not {raw!r}")
    return raw


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an address: a Content-Security-Policy source."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _secret(settings: dict[str, Any], key: str, default: str, prefixes: tuple[str, ...],
            environ: dict[str, str]) -> tuple[str, str]:
    name = str(settings.get(key) or default).strip()
    if not _ENV_NAME.match(name):
        raise StripeSettingsError(f"setting {key} must name an environment variable "
                                  f"(STRIPE_SECRET_KEY), not {name!r}")
    value = (environ.get(name) or "").strip()
    if not value:
        raise StripeSettingsError(f"the environment variable {name} (setting {key}) is empty: "
                                  f"put the key there, never in the ini file")
    if not value.startswith(prefixes):
        raise StripeSettingsError(f"the environment variable {name} (setting {key}) does not "
                                  f"hold a key starting {' or '.join(prefixes)}")
    return name, value


@dataclass(frozen=True)
class StripeSettings:
    secret_key: str = field(repr=False)
    publishable_key: str
    webhook_secret: str = field(repr=False)
    #: The environment variables the keys came from (for messages; never the keys).
    secret_key_env: str = "STRIPE_SECRET_KEY"
    publishable_key_env: str = "STRIPE_PUBLISHABLE_KEY"
    webhook_secret_env: str = "STRIPE_WEBHOOK_SECRET"
    #: Where the Stripe client sends its API calls (localstripe in tests and on staging).
    api_base: str = "https://api.stripe.com"
    #: Stripe.js, loaded by the card page (localstripe serves a stand-in at /js.stripe.com/v3/).
    js_url: str = "https://js.stripe.com/v3/"
    #: The payment type (money's ``paymenttypes``) a card payment is recorded as.
    paymenttype: str = "stripe"
    label: str = "Pay by card"
    description: str = "Visa, Mastercard, American Express and others, through Stripe."
    #: How long a payment under way holds its basket, and how much of that is kept back so that
    #: ``xts2 expire`` settles the payment before the basket lets its seats go.
    hold_seconds: int = 1800
    settle_margin: int = 600
    #: Seconds to wait for Stripe's answer, and how often the library tries again (with the same
    #: idempotency key) when no answer came.
    timeout: int = 20
    network_retries: int = 2
    #: Stripe's tolerance for a webhook's signature time (seconds): older ones are refused.
    webhook_tolerance: int = 300
    #: The card page pays through localstripe's stand-in for Stripe.js (:mod:`.emulator`):
    #: test keys and another API address than Stripe's only.
    emulator: bool = False

    @property
    def test_mode(self) -> bool:
        return self.secret_key.startswith(("sk_test_", "rk_test_"))

    @classmethod
    def from_settings(cls, settings: dict[str, Any],
                      environ: dict[str, str] | None = None) -> StripeSettings | None:
        """The settings, or ``None`` when ``stripe.secret_key_env`` is not set (the method is
        not offered)."""
        if not str(settings.get("stripe.secret_key_env") or "").strip():
            return None
        env = dict(os.environ if environ is None else environ)
        secret_env, secret = _secret(settings, "stripe.secret_key_env", cls.secret_key_env,
                                     ("sk_", "rk_"), env)
        public_env, public = _secret(settings, "stripe.publishable_key_env",
                                     cls.publishable_key_env, ("pk_",), env)
        hook_env, hook = _secret(settings, "stripe.webhook_secret_env", cls.webhook_secret_env,
                                 ("whsec_",), env)
        if secret.startswith(("sk_test_", "rk_test_")) != public.startswith("pk_test_"):
            raise StripeSettingsError(f"the keys in {secret_env} and {public_env} are of "
                                      f"different modes (one test, one live)")
        paymenttype = str(settings.get("stripe.paymenttype") or cls.paymenttype).strip()
        if not _CODE.match(paymenttype):
            raise StripeSettingsError(f"setting stripe.paymenttype must be a payment type's code "
                                      f"(1-32 of A-Z a-z 0-9 _), not {paymenttype!r}")
        hold = _int(settings, "stripe.hold_seconds", cls.hold_seconds, 300, 86400)
        margin = _int(settings, "stripe.settle_margin", cls.settle_margin, 0, 3600)
        if margin > hold // 2:
            raise StripeSettingsError("setting stripe.settle_margin must be at most half of "
                                      "stripe.hold_seconds")
        api_base = _url(settings, "stripe.api_base", cls.api_base).rstrip("/")
        emulator = str(settings.get("stripe.emulator") or "false").strip().lower()
        if emulator not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
            raise StripeSettingsError(f"setting stripe.emulator must be true or false, not "
                                      f"{emulator!r}")
        emulator_on = emulator in ("true", "yes", "on", "1")
        if emulator_on and (not secret.startswith(("sk_test_", "rk_test_"))
                            or origin(api_base) == origin(cls.api_base)):
            raise StripeSettingsError("setting stripe.emulator is for a Stripe emulator "
                                      "(localstripe) only: it needs test keys and "
                                      "stripe.api_base pointing at the emulator")
        return cls(
            secret_key=secret, publishable_key=public, webhook_secret=hook,
            secret_key_env=secret_env, publishable_key_env=public_env,
            webhook_secret_env=hook_env,
            api_base=api_base,
            js_url=_url(settings, "stripe.js_url", cls.js_url),
            paymenttype=paymenttype,
            label=str(settings.get("stripe.label") or cls.label).strip(),
            description=str(settings.get("stripe.description") or cls.description).strip(),
            hold_seconds=hold, settle_margin=margin,
            timeout=_int(settings, "stripe.timeout", cls.timeout, 1, 120),
            network_retries=_int(settings, "stripe.network_retries", cls.network_retries, 0, 5),
            webhook_tolerance=_int(settings, "stripe.webhook_tolerance", cls.webhook_tolerance,
                                   10, 3600),
            emulator=emulator_on,
        )

    def content_security(self) -> dict[str, tuple[str, ...]]:
        """What the card page needs beyond the shop's own origin: Stripe.js's script and frames,
        and its calls to Stripe's API (https://docs.stripe.com/security/guide#content-security-policy)."""
        js, api = origin(self.js_url), origin(self.api_base)
        if js == "https://js.stripe.com":
            scripts = (js, "https://*.js.stripe.com")
            frames = (*scripts, "https://hooks.stripe.com")
        else:  # a stand-in (localstripe) serves its script and answers its calls itself
            scripts = frames = (js,)
        connect = (api,) if api == js else (api, js)
        return {"script-src": scripts, "frame-src": frames, "connect-src": connect}
