"""Benchmark: a 1,000,000-row CSV import — upload, then the import worker's rows/s and peak RSS —
with the whole intake stack on this machine, beside the floor (PostgreSQL COPY rows/s).

    .venv/bin/python bench/csv_import.py [ROWS]

The file is generated on disk (a Finnish Excel-style export: ';', Finnish headers, d.m.yyyy dates)
and streamed to POST /v1/imports; nothing holds it whole. Goals: at least 10,000 rows/s; peak RSS
under 250 MB.
"""

from __future__ import annotations

import http.client
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from stack import floors, intake_stack, token

from services.intake.domain.hetu import format_identity_code

HEADER = (
    "lähdejärjestelmä;lähdetunniste;pilotti;henkilötunnus;toiminto;ajankohta;kesto_min;"
    "läsnäolo;osallistumisen_laji\r\n"
)


def write_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER)
        for n in range(rows):
            born = date(2006, 1, 1) + timedelta(days=n % 5000)
            code = format_identity_code(born, 2 + n % 898)
            day = 1 + n % 28
            out.write(
                f"apotti;CSV-{n};pilot-a;{code};pilot-a-act-{n % 2};{day}.10.2026 16:30;"
                f"90;osallistui;guided_leisure\r\n"
            )


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    floor = floors()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "participations.csv"
        write_file(path, rows)
        size = path.stat().st_size
        with intake_stack(web_workers=2, web_threads=2, imports=True) as stack:
            port = int(stack.base_url.rsplit(":", 1)[1])
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            started = time.monotonic()
            with path.open("rb") as body:
                conn.request(
                    "POST",
                    "/v1/imports?kind=participation",
                    body,
                    {
                        "Content-Type": "text/csv",
                        "Content-Length": str(size),
                        "Authorization": f"Bearer {token(stack.settings)}",
                    },
                )
                response = conn.getresponse()
                response.read()
            uploaded = time.monotonic()
            if response.status != 202:
                raise SystemExit(f"upload failed: {response.status}")
            while True:
                with stack.engine.connect() as db:
                    job = db.execute(
                        sa.text(
                            "SELECT status, rows_read, accepted, rejected, started_at, finished_at "
                            "FROM import_job"
                        )
                    ).one()
                if job.status in ("finished", "failed"):
                    break
                time.sleep(0.5)
            worker_rss = max(
                peak_rss_mb(pid) for pid in [stack.pid("imports"), *children(stack.pid("imports"))]
            )
            web_rss = max(peak_rss_mb(pid) for pid in children(stack.pid("web")))
    seconds = (job.finished_at - job.started_at).total_seconds()
    rate = job.rows_read / seconds
    print(f"{'measure':<46} {'value':>10} {'floor':>10} {'ratio':>6}")
    print(
        f"{'CSV import, rows/s (' + format(rows, ',') + ' rows)':<46} {rate:>10,.0f} "
        f"{floor['pg_copy']:>10,.0f} {rate / floor['pg_copy']:>6.2f}  (vs PostgreSQL COPY rows/s)"
    )
    print(
        f"{'peak RSS: import processes / web worker (MB)':<46} {worker_rss:>10.0f} {web_rss:>10.0f}"
    )
    print(
        f"status {job.status}: {job.accepted:,} accepted, {job.rejected:,} rejected; file "
        f"{size / 1e6:.0f} MB uploaded in {uploaded - started:.1f}s; goals 10,000 rows/s, "
        "RSS < 250 MB"
    )


if __name__ == "__main__":
    os.environ.setdefault("TURVAVERKKO_LOG_LEVEL", "WARNING")
    main()
