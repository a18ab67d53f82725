"""Connectors: listening to the networks where brands are talked about, and answering through them.

One module per network (``rss``, ``mastodon``, ``bluesky``, ``x``, ``reddit``, ``meta``, ``youtube``,
``reviews``), plus the shared reliability code (``reliability``, ``checkpoints``, ``runner``), the
webhook receiver, the imports of other tools' exports, and replying (``publishing``).
"""
