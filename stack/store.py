"""Getting the store ready for a run: migrate, then seed demo data into an empty database."""

from __future__ import annotations

from datetime import datetime

from crm.demo.writer import StoreNotEmpty, seed_demo

from crm.db import make_engine
from crm.migrate import upgrade


def prepare_store(database_url: str, *, now: datetime, demo_customers: int) -> None:
    engine = make_engine(database_url, create_missing=True)
    try:
        result = upgrade(engine)
        print(
            f"[store] schema {'migrated to' if result.changed else 'already at'} {result.after}", flush=True
        )
        try:
            counts = seed_demo(engine, as_of=now, customers=demo_customers)
            print(f"[store] seeded demo data: {counts}", flush=True)
        except StoreNotEmpty:
            print("[store] store has data; not seeding", flush=True)
    finally:
        engine.dispose()
