"""The sizes of the stored columns that incoming data fills, in one place.

The table definitions take their sizes from here and the ingest validation
(:mod:`stormwatch.ingest.parsing`) checks every incoming value against the same figures, so a
record that passes validation always fits, and SQLite (which would store anything) and
PostgreSQL (which refuses what does not fit) accept exactly the same records. Free of any
SQLAlchemy import, so that the in-memory replay can use it too.
"""

from __future__ import annotations

SOURCE_LENGTH = 50  # mentions.source
ID_LENGTH = 200  # mentions.external_id, reply_to
AUTHOR_LENGTH = 200  # mentions.author
NAME_LENGTH = 200  # brands.name (and workspaces.name)
URL_LENGTH = 2000  # mentions.url
LANG_LENGTH = 8  # mentions.lang
# mentions.text is unbounded in the database; this bound keeps one post from filling memory.
TEXT_LENGTH = 100_000
ORIGIN_LENGTH = 500  # quarantine.origin (a file path, "api", "source:…")
FIELD_LENGTH = 100  # quarantine.field

INTEGER_MAX = 2**31 - 1  # Integer columns: likes, shares, comments
BIG_INTEGER_MAX = 2**63 - 1  # BigInteger columns: author_followers
