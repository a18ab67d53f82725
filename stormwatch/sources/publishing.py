"""Publishing an approved response as a reply on the network the mention came from.

The response workflow (issue 5) hands an approved answer to a :class:`Publisher`; this module
defines that protocol here, since the workflow's branch did not have it yet, and implements it
for every network that allows replies. ``dry_run`` logs what would be posted and posts nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reply:
    """An approved answer to one mention: ``in_reply_to`` is the mention's external id on ``network``."""

    network: str
    in_reply_to: str
    text: str
    brand: str


@dataclass(frozen=True, slots=True)
class Published:
    """Where the reply went: the network's id of the new post and its public address."""

    network: str
    post_id: str
    url: str | None
    dry_run: bool = False


class Publisher(Protocol):
    def publish(self, reply: Reply) -> Published:
        """Post ``reply``; raises :class:`~stormwatch.sources.reliability.SourceError` if it could not."""
        ...


class ReplyNotSupported(ValueError):
    """The network, or this brand's configuration of it, offers no way to reply."""


ReplyFunction = Callable[[Reply], Published]


class NetworkPublisher:
    """Routes each reply to its network's reply function, chosen from the workspace configuration."""

    def __init__(self, routes: dict[tuple[str, str], ReplyFunction], *, dry_run: bool = False) -> None:
        self.routes = routes  # (brand, network) -> function
        self.dry_run = dry_run

    def publish(self, reply: Reply) -> Published:
        route = self.routes.get((reply.brand, reply.network))
        if route is None:
            raise ReplyNotSupported(
                f"{reply.brand} cannot reply on {reply.network}: no such source configured"
            )
        if self.dry_run:
            log.warning("dry run: would reply on %s to %s: %r", reply.network, reply.in_reply_to, reply.text)
            return Published(reply.network, f"dry-run:{reply.in_reply_to}", None, dry_run=True)
        published = route(reply)
        log.info("replied on %s to %s: %s", reply.network, reply.in_reply_to, published.url)
        return published
