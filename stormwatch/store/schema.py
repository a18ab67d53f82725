"""Every table of every domain, imported in one place so the metadata is complete for migrations."""

from stormwatch.alerting.models import Alert
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.detection.models import SignalRecord
from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.sources.models import SourceState
from stormwatch.store.db import Base
from stormwatch.workspace.models import Brand, Workspace

metadata = Base.metadata

__all__ = [
    "Alert",
    "Brand",
    "Crisis",
    "CrisisEvent",
    "Enrichment",
    "Mention",
    "QuarantinedRecord",
    "SignalRecord",
    "SourceState",
    "Workspace",
    "metadata",
]
