"""Everything a reader sees in English or Polish: the translation catalogue, plural forms, and
dates, numbers and times in the reader's language and the team's time zone (Babel)."""
