"""Getting the store ready for a run: migrate, then seed demo data only when asked to."""

from __future__ import annotations

from datetime import datetime

from crm.db import make_engine
from crm.demo.writer import StoreNotEmpty, seed_demo
from crm.migrate import upgrade
from crm.settings import VAR_DIR, sqlite_url


def prepare_store(database_url: str, *, now: datetime, demo_customers: int) -> None:
    """Migrates the store; seeds `demo_customers` demo customers into the embedded store if empty.

    A store named by DATABASE_URL is never seeded here, empty or not: demo data in a real
    database is a mess to clean up. `python -m crm seed` does it on purpose.
    """
    engine = make_engine(database_url, create_missing=True)
    try:
        result = upgrade(engine)
        print(
            f"[store] schema {'migrated to' if result.changed else 'already at'} {result.after}", flush=True
        )
        if not demo_customers:
            return
        if database_url != sqlite_url(VAR_DIR / "crm.db"):
            print("[store] DATABASE_URL is set: not seeding demo data (python -m crm seed does)", flush=True)
            return
        try:
            counts = seed_demo(engine, as_of=now, customers=demo_customers)
            print(f"[store] seeded demo data: {counts}", flush=True)
        except StoreNotEmpty:
            print("[store] store has data; not seeding", flush=True)
    finally:
        engine.dispose()
