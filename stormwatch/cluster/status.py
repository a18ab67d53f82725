"""The cluster's line in ``stormwatch status``: stream depth, each stage's lag, who leads."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from stormwatch.analysis.enrichment import Enrichment
from stormwatch.cluster.bus import ANALYSIS_CONSUMER, connect, lease_bucket
from stormwatch.cluster.config import ClusterSettings
from stormwatch.cluster.leases import Leases, leader_lease
from stormwatch.cluster.models import PublishedMention
from stormwatch.store.db import Store


@dataclass(frozen=True)
class ClusterStatus:
    published: int  # messages on the stored stream
    analysis_lag: int  # not yet analysed, or analysed and not yet acked
    detection_lag: int  # published mentions whose results are not yet committed
    detect_workers: int
    leaders: dict[str, str | None]

    def line(self) -> str:
        leaders = ", ".join(f"{role} led by {who or 'nobody'}" for role, who in self.leaders.items())
        return (
            f"cluster: {self.published} mentions on the stream, analysis lag {self.analysis_lag}, "
            f"detection lag {self.detection_lag}, {self.detect_workers} detection workers; {leaders}"
        )


async def cluster_status(settings: ClusterSettings, store: Store) -> ClusterStatus:
    client, js = await connect(settings)
    try:
        try:
            stream = await js.stream_info(settings.stored_stream)
            published = int(stream.state.messages)
            consumer = await js.consumer_info(settings.stored_stream, ANALYSIS_CONSUMER)
            analysis_lag = int(consumer.num_pending or 0) + int(consumer.num_ack_pending or 0)
        except NotFoundError:
            published = analysis_lag = 0
        leases = Leases(await lease_bucket(js, settings), "status")
        leaders = {role: await leases.holder(leader_lease(role)) for role in ("relay", "respond")}
        detect_workers = len(await leases.members("detect"))
    finally:
        await client.close()
    with store.session() as session:
        detection_lag = session.scalar(
            select(func.count())
            .select_from(PublishedMention)
            .outerjoin(Enrichment, Enrichment.mention_id == PublishedMention.mention_id)
            .where(Enrichment.mention_id.is_(None))
        )
    return ClusterStatus(published, analysis_lag, detection_lag or 0, detect_workers, leaders)
