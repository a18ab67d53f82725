"""What the cluster keeps in PostgreSQL beside the product's tables.

``cluster_published``: the outbox relay's record of which stored mentions are on the stream (and at
which sequence). ``cluster_partitions``: per detection partition, the stream positions its committed
effects cover (advanced in the same transaction as the effects, compare-and-set, so a deposed owner
cannot commit) and the latest detector snapshot with the positions *it* covers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from stormwatch.store.db import Base, UTCDateTime
from stormwatch.workspace.models import utcnow


class PublishedMention(Base):
    __tablename__ = "cluster_published"

    mention_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("mentions.id"), primary_key=True
    )
    stream_seq: Mapped[int] = mapped_column(BigInteger)


class PartitionPosition(Base):
    __tablename__ = "cluster_partitions"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # "<prefix>/<partition>"
    stored_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # last stored-stream seq applied
    analysed_seq: Mapped[int] = mapped_column(BigInteger, default=1)  # where to resume reading results
    snapshot: Mapped[bytes | None] = mapped_column(LargeBinary)
    snapshot_stored_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    snapshot_analysed_seq: Mapped[int] = mapped_column(BigInteger, default=1)
    snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
