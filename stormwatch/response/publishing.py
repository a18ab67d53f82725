"""Sending an approved text out: the :class:`Publisher` protocol and the webhook publisher.

Replies on the networks themselves come with the connectors, which implement :class:`Publisher`;
until then an approved text can be sent to any apprise URL (a JSON webhook that a CMS or a
scheduling tool picks up, a Slack channel where the social team copies it) or recorded by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import apprise

from stormwatch.alerting.service import channel_label
from stormwatch.i18n.refusal import Refusal


@dataclass(frozen=True, slots=True)
class OutgoingPost:
    brand: str
    crisis_key: str
    text: str
    lang: str
    template: str
    reply_to: str | None = None  # the external id of the post this answers, for replies


@dataclass(frozen=True, slots=True)
class PublishReceipt:
    target: str  # where it went, without secrets (e.g. "json://hooks.example.com", "twitter")
    reference: str | None = None  # the post's URL or id, when the target gives one back


class PublishError(Refusal, RuntimeError):
    """The target did not take the text; nothing is recorded as published."""


class Publisher(Protocol):
    def publish(self, post: OutgoingPost) -> PublishReceipt: ...


class WebhookPublisher:
    """Sends the text through apprise to one URL (``json://``, ``slack://``, ``mailto://``...)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def publish(self, post: OutgoingPost) -> PublishReceipt:
        notifier = apprise.Apprise()
        if not notifier.add(self.url):
            raise PublishError("not a URL apprise understands: %(target)s", target=channel_label(self.url))
        title = f"{post.brand}: approved {post.template.replace('_', ' ')} ({post.lang}) [{post.crisis_key}]"
        if not notifier.notify(title=title, body=post.text):
            raise PublishError("%(target)s did not accept the text", target=channel_label(self.url))
        return PublishReceipt(target=channel_label(self.url))
