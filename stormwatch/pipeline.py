"""The one-way flow: mention → enrichment → signal → crisis update.

:class:`Pipeline` is the in-memory core shared by the ``detect`` replay and the live service; it
knows nothing of files, databases or alerts, which the callers add around it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from stormwatch.analysis.service import EnrichedMention, MentionAnalyzer, TextJudge
from stormwatch.crisis.manager import CrisisManager
from stormwatch.crisis.update import CrisisUpdate
from stormwatch.detection.gaps import CoverageGap
from stormwatch.detection.service import DetectionEngine
from stormwatch.detection.signal import Signal
from stormwatch.ingest.mention import MentionIn
from stormwatch.workspace.config import BrandConfig, WorkspaceConfig

# ``replay`` is for recorded streams (``stormwatch detect``), where waiting for a batch to fill up
# costs nothing: large batches spread the models' fixed per-batch numpy work (at 256 it was about
# a fifth of the analysis time).
# Judgements, groups and signals do not depend on the batch size; the live service batches on its
# own (``live.py``).
BATCH_SIZE = 2048


class StageError(Exception):
    """Analysis or detection failed on a batch; ``stage`` says which (the cause is chained)."""

    def __init__(self, stage: str, error: Exception, position: int | None = None) -> None:
        super().__init__(f"{stage} failed: {type(error).__name__}: {error}")
        self.stage = stage
        self.position = position  # the failing mention's index in the batch, where known


@dataclass
class StepResult:
    enriched: list[EnrichedMention] = field(default_factory=list)
    signals: list[tuple[Signal, str]] = field(default_factory=list)  # with the key of the crisis it joined
    updates: list[CrisisUpdate] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)  # holes in the collection that ended here


class Pipeline:
    def __init__(
        self,
        judge: TextJudge,
        brand_settings: Callable[[str], BrandConfig],
        crises: CrisisManager | None = None,
    ) -> None:
        self.analyzer = MentionAnalyzer(judge)
        self.detection = DetectionEngine(brand_settings)
        self.crises = crises or CrisisManager()

    @classmethod
    def for_config(cls, judge: TextJudge, config: WorkspaceConfig) -> Pipeline:
        return cls(judge, config.brand)

    def process(self, mentions: Sequence[MentionIn]) -> StepResult:
        """Mentions must come in event-time order; each is analysed, detected on, and acted upon.

        A failure is raised as :class:`StageError` naming the stage; the state may then hold part of
        the batch (the live service rebuilds it from the store)."""
        try:
            enriched = self.analyzer.enrich(mentions)
        except Exception as error:
            raise StageError("analysis", error) from error
        return self.act_on(enriched)

    def act_on(self, enriched_mentions: Sequence[EnrichedMention]) -> StepResult:
        """Detection and crises for mentions already enriched (in event-time order)."""
        result = StepResult(enriched=list(enriched_mentions))
        for position, enriched in enumerate(result.enriched):
            try:
                self._detect(enriched, result)
            except Exception as error:
                raise StageError("detection", error, position) from error
        return result

    def _detect(self, enriched: EnrichedMention, result: StepResult) -> None:
        if not self.detection.accepts(enriched):  # an absurd date must not close or open crises
            return
        # A hole in the collection first: the crisis manager must not take it for calm.
        gap = self.detection.check_coverage(enriched)
        if gap is not None:
            self.crises.on_gap(gap)
            result.gaps.append(gap)
        changed = self.crises.on_time(enriched.brand, enriched.mention.created_at)
        if changed is not None:
            result.updates.append(changed)
        for signal in self.detection.observe(enriched):
            update = self.crises.on_signal(signal)
            if update is not None:
                result.updates.append(update)
            joined = self.crises.last_joined
            assert joined is not None  # every signal opens or joins a crisis
            result.signals.append((signal, joined))

    def replay(self, mentions: Iterable[MentionIn]) -> Iterator[CrisisUpdate]:
        """Every crisis update of a recorded stream, as if it were live but without waiting."""
        iterator = iter(mentions)
        while batch := list(islice(iterator, BATCH_SIZE)):
            yield from self.process(batch).updates
