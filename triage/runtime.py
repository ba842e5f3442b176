"""Where the services are: the configured ones, or the embedded sandbox.

`connect(settings)` is the one place that decides. Everything after it receives a
`Connections` and never looks at the environment again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from triage.config import ConfigError, Settings, partial_service_config

if TYPE_CHECKING:
    import redis
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


@dataclass
class Connections:
    settings: Settings
    database_url: str
    redis_url: str
    dqt_api_url: str
    dqt_api_key: str | None = field(repr=False)
    sandbox: bool
    _closers: list = field(default_factory=list, repr=False)

    @cached_property
    def engine(self) -> Engine:
        from services.db import make_engine

        return make_engine(self.database_url)

    @cached_property
    def redis(self) -> redis.Redis:
        import redis as redis_lib

        return redis_lib.Redis.from_url(
            self.redis_url, socket_timeout=5, socket_connect_timeout=3
        )

    def current_dqt_api_url(self) -> str:
        """DQT's URL as it is now, for a retry after DQT did not answer.

        Configured services: the configured URL. The sandbox: its simulator gets
        a new port when it is restarted or the sandbox is reset, so the URL (and
        key) are read again from the sandbox, and whatever has stopped (the
        simulator included) is started again. Raises `SandboxError` when the
        sandbox cannot start.
        """
        if not self.sandbox:
            return self.dqt_api_url
        from sandbox.lifecycle import ensure_running

        urls = ensure_running(self.settings.triage_data_dir)
        if urls.dqt_api_url != self.dqt_api_url:
            log.info(
                "the sandbox's DQT simulator moved from %s to %s",
                self.dqt_api_url,
                urls.dqt_api_url,
            )
        self.dqt_api_url = urls.dqt_api_url
        self.dqt_api_key = urls.dqt_api_key
        return self.dqt_api_url

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
        if "redis" in self.__dict__:
            self.redis.close()


def connect(settings: Settings) -> Connections:
    """The configured services, or the sandbox started (and seeded once) on demand."""
    missing = partial_service_config(settings)
    if missing:
        raise ConfigError(
            f"{', '.join(missing)} not set: set all of DATABASE_URL, REDIS_URL and "
            "DQT_API_URL, or none to use the sandbox"
        )
    if settings.uses_sandbox:
        from sandbox.lifecycle import ensure_running

        urls = ensure_running(settings.triage_data_dir)
        log.info("using the sandbox in %s", settings.triage_data_dir)
        return Connections(
            settings=settings,
            database_url=urls.database_url,
            redis_url=urls.redis_url,
            dqt_api_url=urls.dqt_api_url,
            dqt_api_key=urls.dqt_api_key,
            sandbox=True,
        )
    assert settings.database_url and settings.redis_url and settings.dqt_api_url
    key = settings.dqt_api_key.get_secret_value() if settings.dqt_api_key else None
    log.info("using configured services")
    return Connections(
        settings=settings,
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        dqt_api_url=settings.dqt_api_url,
        dqt_api_key=key,
        sandbox=False,
    )
