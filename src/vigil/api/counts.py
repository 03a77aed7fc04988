"""Zone counts as a time series, per camera and zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from vigil.api.deps import Deps, known_camera, unprocessable
from vigil.api.events import check_range
from vigil.api.schemas import CountBucketOut, CountSeriesOut
from vigil.auth import Principal, require_camera

router = APIRouter(prefix="/api/cameras", tags=["counts"])
View = Annotated[Principal, Depends(require_camera())]

DEFAULT_SPAN = timedelta(hours=24)


@router.get("/{camera_id}/counts", response_model=CountSeriesOut)
def count_series(
    camera_id: str,
    _: View,
    deps: Deps,
    zone: Annotated[str, Query(min_length=1, max_length=64, description="Zone name.")],
    since: Annotated[
        datetime | None,
        Query(description="Start (with timezone); default: 24 h before until."),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(description="End, exclusive (with timezone); default: now."),
    ] = None,
    bucket: Annotated[
        float, Query(ge=1.0, le=366 * 86400.0, description="Bucket length, seconds.")
    ] = 60.0,
) -> CountSeriesOut:
    """People counted in `zone`, grouped in `bucket`-second buckets (empty buckets left out)."""
    check_range(since, until)
    known_camera(deps, camera_id)
    end = until or datetime.now(UTC)
    start = since or end - DEFAULT_SPAN
    if end <= start:
        unprocessable(
            ("query", "since" if until is None else "until"), "the range is empty", None
        )
    buckets = deps.events.count_series(camera_id, zone, start, end, bucket)
    return CountSeriesOut(
        camera=camera_id, zone=zone, bucket_s=bucket, since=start, until=end,
        buckets=[CountBucketOut.of(b) for b in buckets],
    )  # fmt: skip
