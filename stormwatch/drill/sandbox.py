"""The drill's sandbox publisher: nothing a drill approves is ever published to a network."""

from __future__ import annotations

from dataclasses import dataclass, field

from stormwatch.response.publishing import OutgoingPost, PublishReceipt

SANDBOX_TARGET = "drill-sandbox://"


@dataclass
class SandboxPublisher:
    """Takes a drill's approved text and keeps it: the publication is recorded (and scored), but
    no connector or webhook is ever called."""

    kept: list[OutgoingPost] = field(default_factory=list)

    def publish(self, post: OutgoingPost) -> PublishReceipt:
        self.kept.append(post)
        return PublishReceipt(target=SANDBOX_TARGET, reference=f"drill:{post.crisis_key}")
