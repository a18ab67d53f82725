"""Connectors: listening to the networks where brands are talked about, and answering through them.

One module per network (``rss``, ``mastodon``, ``bluesky``, ``x``, ``reddit``, ``meta`` for
Facebook and Instagram, ``google`` for YouTube and Business Profile reviews, ``trustpilot``), the
shared reliability code (``base``, ``reliability``, ``checkpoints``, ``runner``), the webhook
receiver, imports of other tools' exports, replying (``publishing``), and the wiring from the
workspace file (``settings``, ``secrets``, ``registry``, ``api``, ``cli``). docs/connectors.md
tells a user what to create on each network.
"""
