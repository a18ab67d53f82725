"""Scale-out mode: the pipeline's stages as processes joined by NATS JetStream streams.

``stormwatch run`` (one process) stays the default; see docs/deployment.md for this topology."""
