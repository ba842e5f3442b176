"""The SQLAlchemy engine for Register's database (psycopg 3)."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine


def sqlalchemy_url(url: str) -> str:
    """`postgresql://` URLs use psycopg 3 rather than SQLAlchemy's default driver."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str) -> Engine:
    return create_engine(
        sqlalchemy_url(url),
        pool_pre_ping=True,
        pool_size=5,
        connect_args={"connect_timeout": 5, "application_name": "register-triage"},
    )
