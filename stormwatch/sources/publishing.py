"""Publishing an approved response as a reply on the network the mention came from.

Two layers: :class:`NetworkPublisher` posts a :class:`Reply` on one network (each connector
module has a ``reply`` function); :class:`ConnectorPublisher` implements the response
workflow's :class:`stormwatch.response.publishing.Publisher` protocol on top of it, finding the
network of the post answered from the stored mention, so ``publish_response`` records the reply's
URL on the crisis timeline. ``dry_run`` logs what would be posted and posts nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from stormwatch.ingest.models import Mention
from stormwatch.response.publishing import OutgoingPost, PublishError, PublishReceipt
from stormwatch.sources.reliability import SourceError
from stormwatch.store.db import Store
from stormwatch.workspace.service import find_brand

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


class ReplyPublisher(Protocol):
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


class ConnectorPublisher:
    """The response workflow's ``Publisher``: replies to the answered post on its own network."""

    def __init__(self, store: Store, workspace_id: int, networks: NetworkPublisher) -> None:
        self.store = store
        self.workspace_id = workspace_id
        self.networks = networks

    def publish(self, post: OutgoingPost) -> PublishReceipt:
        if not post.reply_to:
            raise PublishError("a reply on a network needs the id of the post it answers (reply_to)")
        network = self.network_of(post.brand, post.reply_to)
        try:
            published = self.networks.publish(Reply(network, post.reply_to, post.text, post.brand))
        except (SourceError, ReplyNotSupported) as error:
            raise PublishError("%(reason)s", reason=error) from error
        target = f"{network} (dry run)" if published.dry_run else network
        return PublishReceipt(target=target, reference=published.url or published.post_id)

    def network_of(self, brand_name: str, external_id: str) -> str:
        with self.store.session() as session:
            brand = find_brand(session, self.workspace_id, brand_name)
            source = None
            if brand is not None:
                source = session.scalar(
                    select(Mention.source).where(
                        Mention.brand_id == brand.id, Mention.external_id == external_id
                    )
                )
        if source is None:
            raise PublishError(
                "no stored mention %(mention)s of %(brand)s: cannot tell its network",
                mention=external_id,
                brand=brand_name,
            )
        return source
