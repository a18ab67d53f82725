"""Every table of every domain, imported in one place so the metadata is complete for migrations."""

from stormwatch.alerting.models import Alert
from stormwatch.analysis.corrections import CauseCorrectionRecord
from stormwatch.analysis.enrichment import Enrichment
from stormwatch.crisis.models import Crisis, CrisisEvent
from stormwatch.detection.models import SignalRecord
from stormwatch.ingest.models import Mention, QuarantinedRecord
from stormwatch.store.db import Base
from stormwatch.workspace.models import Brand, Workspace

metadata = Base.metadata

__all__ = [
    "Alert",
    "Brand",
    "CauseCorrectionRecord",
    "Crisis",
    "CrisisEvent",
    "Enrichment",
    "Mention",
    "QuarantinedRecord",
    "SignalRecord",
    "Workspace",
    "metadata",
]
