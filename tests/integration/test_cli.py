"""`python -m crm`: clear messages and exit codes instead of tracebacks, and no data lost."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from crm.settings import PROJECT_ROOT


def crm(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm", *args],
        cwd=PROJECT_ROOT,
        env={"DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_status_of_a_missing_database_says_how_to_create_it(tmp_path: Path) -> None:
    result = crm("status", database=tmp_path / "none.db")

    assert result.returncode == 2
    assert "does not exist: run `python -m crm migrate` first" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_migrate_twice_then_seed_then_seed_again_keeps_the_data(tmp_path: Path) -> None:
    database = tmp_path / "crm.db"

    first = crm("migrate", database=database)
    second = crm("migrate", database=database)
    seeded = crm("seed", "--customers", "50", "--as-of", "2026-11-20T12:00:00", database=database)
    again = crm("seed", "--customers", "50", database=database)
    status = crm("status", database=database)

    assert first.returncode == 0 and "migrated from None to" in first.stdout
    assert second.returncode == 0 and "already at" in second.stdout
    assert seeded.returncode == 0, seeded.stderr
    assert again.returncode == 2 and "error:" in again.stderr and "Traceback" not in again.stderr
    assert status.returncode == 0
    customers_line = next(
        line for line in status.stdout.splitlines() if line.strip().startswith("customers ")
    )
    assert customers_line.split()[-1] == "50"


def test_migrate_refuses_a_database_it_did_not_create(tmp_path: Path) -> None:
    database = tmp_path / "theirs.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        connection.execute("INSERT INTO invoices VALUES (1, 9.99)")

    result = crm("migrate", database=database)

    assert result.returncode == 2
    assert "no migration history" in result.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT total FROM invoices").fetchall() == [(9.99,)]
