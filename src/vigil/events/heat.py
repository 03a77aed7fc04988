"""Heat buckets: per camera and UTC hour, how many people's foot points fell in each cell
of a coarse grid over the image (for a heatmap of where people walk).

The pipeline accumulates a grid for a while (a minute, say) and adds it with
``EventStore.record_heat``; the store adds it into the bucket of that hour. Reading
(``EventStore.heat``) adds up the buckets of a time range. A camera whose grid size
changed has buckets of both sizes; a read adds up those of the size of the latest one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from vigil.events.engine import insert_for
from vigil.events.errors import StoreError
from vigil.events.models import HeatRow
from vigil.events.records import HeatGrid

log = logging.getLogger(__name__)

MAX_SIDE = 256
"""Most cells along one side of a heat grid."""
HOUR = timedelta(hours=1)


def hour_of(at: datetime) -> datetime:
    """The start of the UTC hour that ``at`` (timezone-aware UTC) falls in."""
    return at.replace(minute=0, second=0, microsecond=0)


def check_grid(what: str, grid_w: int, grid_h: int, cells: Sequence[int]) -> list[int]:
    """``cells`` as a list of non-negative ints; StoreError naming the problem otherwise."""
    for name, side in (("grid_w", grid_w), ("grid_h", grid_h)):
        if not 1 <= side <= MAX_SIDE:
            raise StoreError(f"{what}: {name} {side} must be 1 to {MAX_SIDE}")
    if len(cells) != grid_w * grid_h:
        raise StoreError(f"{what}: {len(cells)} cells for a {grid_w} x {grid_h} grid; expected {grid_w * grid_h}")
    values = [int(c) for c in cells]
    if min(values) < 0:
        raise StoreError(f"{what}: cell counts must not be negative (found {min(values)})")
    return values


def add(conn: Connection, camera: str, hour: datetime, grid_w: int, grid_h: int, cells: list[int]) -> None:
    """Add ``cells`` into the camera's bucket of ``hour`` (made if missing), in ``conn``'s transaction."""
    key = (HeatRow.camera == camera, HeatRow.hour == hour, HeatRow.grid_w == grid_w, HeatRow.grid_h == grid_h)
    conn.execute(
        insert_for(conn, HeatRow)
        .values(camera=camera, hour=hour, grid_w=grid_w, grid_h=grid_h, cells=[0] * len(cells), total=0)
        .on_conflict_do_nothing(index_elements=["camera", "hour", "grid_w", "grid_h"])
    )
    # FOR UPDATE: two PostgreSQL writers to one bucket take turns (SQLite writers already do)
    row = conn.execute(select(HeatRow.id, HeatRow.cells).where(*key).with_for_update()).one()
    merged = (np.asarray(row.cells, np.int64) + np.asarray(cells, np.int64)).tolist()
    conn.execute(update(HeatRow).where(HeatRow.id == row.id).values(cells=merged, total=int(sum(merged))))


def read(session: Session, camera: str, since: datetime, until: datetime) -> HeatGrid:
    """The buckets of ``camera`` whose hour overlaps ``[since, until)``, added up."""
    rows = session.execute(
        select(HeatRow.grid_w, HeatRow.grid_h, HeatRow.cells)
        .where(HeatRow.camera == camera, HeatRow.hour >= hour_of(since), HeatRow.hour < until)
        .order_by(HeatRow.hour, HeatRow.id)
    ).all()
    if not rows:
        return HeatGrid(0, 0, [], 0, 0)
    w, h = rows[-1].grid_w, rows[-1].grid_h
    same = [r.cells for r in rows if (r.grid_w, r.grid_h) == (w, h)]
    if len(same) < len(rows):
        log.debug("heat of camera %s: %s buckets of another grid size left out", camera, len(rows) - len(same))
    summed = np.asarray(same, np.int64).sum(axis=0)
    return HeatGrid(w, h, summed.tolist(), int(summed.sum()), len(same))


def delete_before(conn: Connection, cutoff: datetime) -> int:
    """Delete buckets whose hour ended before ``cutoff``."""
    return int(conn.execute(delete(HeatRow).where(HeatRow.hour < cutoff - HOUR)).rowcount)
