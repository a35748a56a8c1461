"""[notify]: when exceptions are opened by the sweep and how pushes are retried; [[webhooks]]:
where every change of an exception is pushed (a JSON POST, a DingTalk or a WeCom group robot)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ValidationInfo, field_validator

from edge.config.keys import _SECTION, OptionalText, _key, number_pairs
from edge.config.sections import http_url

STUCK_EXPECTED = "state=minutes pairs separated by commas such as picking=120, packed=60, or empty"
_WEBHOOK_URL_EXPECTED = (
    "an http:// or https:// URL such as https://oapi.dingtalk.com/robot/send?access_token=…"
)


class NotifySettings(BaseModel):
    """[notify]: the exception sweep's thresholds and the webhook sender's retries."""

    model_config = _SECTION

    sweep_s: float = _key(
        60.0, "Seconds between sweeps for overdue orders, print jobs, parcels and sync.", ge=1
    )
    stuck_minutes: str = _key(
        "released=240, picking=120, picked=60, packed=240, on_hold=1440",
        "Minutes an order may stay in a state before it is an exception, per state.",
        expected=STUCK_EXPECTED,
    )
    sync_lag_minutes: int = _key(
        15, "Minutes the oldest event may wait for central before it is an exception.", ge=1
    )
    device_down_minutes: int = _key(
        5,
        "Minutes a printer, scanner or scale may stay offline or in error before it is an"
        " exception.",
        ge=1,
    )
    scale_silent_minutes: int = _key(
        2,
        "Minutes a bench's scale may send no reading while a parcel is being packed there"
        " before it is an exception.",
        ge=1,
    )
    retry_base_s: float = _key(2.0, "First wait after a webhook failed; it doubles.", gt=0)
    retry_cap_s: float = _key(300.0, "Longest wait between a webhook's retries.", gt=0)
    timeout_s: float = _key(5.0, "Seconds a webhook may take to answer.", gt=0, le=60)

    @field_validator("stuck_minutes")
    @classmethod
    def _stuck(cls, value: str) -> str:
        number_pairs(
            value, STUCK_EXPECTED, low=1
        )  # refuses a malformed value at start-up, naming the key
        return value

    @property
    def stuck(self) -> dict[str, int]:
        """Minutes per order state."""
        return number_pairs(self.stuck_minutes, STUCK_EXPECTED, low=1)


class WebhookSettings(BaseModel):
    """[[webhooks]]: one target every change of an exception is pushed to."""

    model_config = _SECTION

    name: str = _key(
        ...,
        "Target name in logs and the push records.",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
        expected="1 to 40 lower-case letters, digits, - or _",
    )
    kind: Literal["json", "dingtalk", "wecom"] = _key(
        "json", "json: a generic POST; dingtalk or wecom: the group robot's markdown message."
    )
    url: str = _key(
        ..., "The webhook URL (the robot's, with its key).", expected=_WEBHOOK_URL_EXPECTED
    )
    secret: OptionalText = _key(
        None, "dingtalk: the robot's signing secret (SEC…); empty if it has none.", repr=False
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value, _WEBHOOK_URL_EXPECTED) or ""

    @field_validator("secret")
    @classmethod
    def _secret_for_dingtalk(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value and info.data.get("kind") != "dingtalk":
            raise ValueError("empty: only a dingtalk robot signs with a secret")
        return value
