"""Credentials: from the environment, else from a secrets file outside the repository."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from stormwatch.sources.reliability import MissingCredential

SECRETS_FILE_VARIABLE = "STORMWATCH_SECRETS_FILE"


class Secrets:
    """Looks a name up in the environment first, then in a flat TOML file of ``NAME = "value"``."""

    def __init__(self, values: Mapping[str, str] | None = None, env: Mapping[str, str] | None = None) -> None:
        self._file_values = dict(values or {})
        self._env = os.environ if env is None else env
        self.origin = "the environment"

    @classmethod
    def load(cls, path: str | Path | None = None) -> Secrets:
        path = path or os.environ.get(SECRETS_FILE_VARIABLE)
        if not path:
            return cls()
        file = Path(path).expanduser()
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise MissingCredential(f"{file}: cannot read the secrets file: {error.strerror}") from error
        except tomllib.TOMLDecodeError as error:
            raise MissingCredential(f"{file}: not valid TOML: {error}") from error
        secrets = cls({key: str(value) for key, value in raw.items() if isinstance(value, str | int)})
        secrets.origin = f"the environment or {file}"
        return secrets

    def get(self, name: str | None) -> str | None:
        if not name:
            return None
        return self._env.get(name) or self._file_values.get(name) or None

    def require(self, name: str, what: str) -> str:
        value = self.get(name)
        if value is None:
            raise MissingCredential(f"{what}: set {name} in {self.origin}")
        return value
