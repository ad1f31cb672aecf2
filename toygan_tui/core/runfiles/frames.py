"""runs/<id>/frames: what the view drew at each report, appended as the run goes (for replay).

One record per report, named float32 arrays and the step, so any problem can keep what its
view needs (the curve problem: `x` and G's fixed-noise `curves`; 2-D points as `curves` too;
an image problem G's fixed-noise `images`, as uint8 pixels) without a new file format:

    record := MAGIC  u32 length  u32 crc32(body)  body          (little-endian)
    body   := u32 n  JSON{"step": int, "arrays": [[name, dtype, shape], ...]} (n bytes)  data
    data   := each array's bytes in the listed order, C order

The same rules as metrics.jsonl: appended (no fsync: the checkpoint is the record, frames are
a view of it), a failed write is undone and reported while training goes on, and a resumed run
first drops the records past its checkpoint. A reader takes every whole record: a torn last
one (a writer killed mid-write) waits for its end or is ignored, and a damaged one is skipped
by its checksum, the reader finding the next record by its magic. Stdlib + numpy: no torch.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from toygan_tui.core.runfiles.atomic import append_whole, atomic_write
from toygan_tui.core.runfiles.pixels import from_bytes, to_bytes
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.runfiles.tail import FileTail

FRAMES_FILE = "frames"
MAGIC = b"TGF1"  # toygan frame, format 1
_HEAD = struct.Struct("<4sII")  # magic, body length, crc32 of the body
_COUNT = struct.Struct("<I")
# What a frame may hold: float32 halves float64's bytes; images keep 8 bits a pixel (pixels.py).
DTYPES: dict[str, np.dtype[Any]] = {"float32": np.dtype("<f4"), "uint8": np.dtype("u1")}
MAX_BODY = 64 * 1024 * 1024  # a length beyond this is damage, not a frame


@dataclass(frozen=True)
class Frame:
    step: int
    arrays: dict[str, np.ndarray]  # name → float32 (or uint8) array, as the view stored it


def encode(step: int, arrays: Mapping[str, np.ndarray]) -> bytes:
    """One record: the step and the named arrays, uint8 as they are, anything else as float32."""
    data = {name: _stored(a) for name, a in arrays.items()}
    meta = {
        "step": int(step),
        "arrays": [[k, a.dtype.name, list(a.shape)] for k, a in data.items()],
    }
    head = json.dumps(meta, separators=(",", ":")).encode()
    body = _COUNT.pack(len(head)) + head + b"".join(a.tobytes() for a in data.values())
    return _HEAD.pack(MAGIC, len(body), zlib.crc32(body)) + body


def _stored(array: np.ndarray) -> np.ndarray:
    dtype = DTYPES["uint8"] if np.asarray(array).dtype == np.uint8 else DTYPES["float32"]
    return np.ascontiguousarray(array, dtype=dtype)


def append_frame(run_dir: Path, step: int, arrays: Mapping[str, np.ndarray]) -> int:
    """Append one record (one write); a failed write is cut off again so no torn record stays
    between two good ones. Returns the bytes written; OSError if it could not be."""
    record = encode(step, arrays)
    append_whole(Path(run_dir) / FRAMES_FILE, record)
    return len(record)


def decode(body: bytes) -> Frame | None:
    """The frame a checksummed body holds, or None if it does not describe itself sanely."""
    try:
        (n,) = _COUNT.unpack_from(body)
        meta = json.loads(body[_COUNT.size : _COUNT.size + n])
        step, arrays, offset = meta["step"], {}, _COUNT.size + n
        if not isinstance(step, int) or isinstance(step, bool):
            return None
        for name, dtype, shape in meta["arrays"]:
            size = int(np.prod(shape, dtype=np.int64)) * DTYPES[dtype].itemsize
            raw = body[offset : offset + size]
            if len(raw) != size:
                return None
            arrays[str(name)] = np.frombuffer(raw, DTYPES[dtype]).reshape(shape)
            offset += size
    except (ValueError, KeyError, TypeError, struct.error):
        return None
    return Frame(step, arrays) if offset == len(body) else None


def parse(data: bytes) -> tuple[list[Frame], int, int]:
    """(the whole records in `data`, bytes used, damaged records skipped). The bytes after the
    last whole record are a record still being written (or torn): left for the next read."""
    frames: list[Frame] = []
    pos = damaged = 0
    while True:
        start = data.find(MAGIC, pos)
        if start < 0:  # no record begins here; the last bytes may be the start of a magic
            garbage = len(data) - pos >= len(MAGIC)
            return frames, max(pos, len(data) - len(MAGIC) + 1), damaged + garbage
        damaged += start > pos  # bytes that belong to no record
        if len(data) - start < _HEAD.size:
            return frames, start, damaged
        _, length, crc = _HEAD.unpack_from(data, start)
        end = start + _HEAD.size + length
        if length > MAX_BODY:
            pos, damaged = start + 1, damaged + 1
            continue
        if end > len(data):
            return frames, start, damaged  # not all written yet
        body = data[start + _HEAD.size : end]
        frame = decode(body) if zlib.crc32(body) == crc else None
        if frame is None:
            pos, damaged = start + 1, damaged + 1  # look for the next record inside it
            continue
        frames.append(frame)
        pos = end


def read_frames(path: Path) -> list[Frame]:
    """Every whole record of a frames file ([] if there is none)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    return parse(data)[0]


class FramesTail(FileTail):
    """The records appended to a frames file since the previous poll (a running run's)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)  # offset: the first byte not yet parsed
        self.damaged = 0

    def restart(self) -> None:
        self.damaged = 0

    def poll(self) -> tuple[list[Frame], bool]:
        """(new frames, reset): reset means the file was replaced or cut (a resumed run
        trimmed it), and the frames are the whole file again."""
        data, reset = self.read_new()
        if not data:
            return [], reset
        frames, used, damaged = parse(data)  # a half-written last record waits for the next poll
        self.offset += used
        self.damaged += damaged
        return frames, reset


def trim_frames(run_dir: Path, step: int) -> int:
    """Keep the records up to `step` (a resumed run's checkpoint), as trim_metrics keeps rows:
    no step twice, and a torn last record goes too. Returns how many records were dropped."""
    path = Path(run_dir) / FRAMES_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0
    frames, used, damaged = parse(data)
    kept = [f for f in frames if f.step <= step]
    if len(kept) != len(frames) or used != len(data) or damaged:
        atomic_write(path, b"".join(encode(f.step, f.arrays) for f in kept))
    return len(frames) - len(kept)


def view_arrays(snap: Snapshot) -> dict[str, np.ndarray]:
    """What the problem's view draws at a report: G's samples (and where a curve's points sit;
    images as uint8 pixels), the classes they were asked for, D's say on a 2-D problem's grid."""
    if snap.samples.ndim > 2:  # images: 8 bits a pixel
        arrays = {"x": snap.x, "images": to_bytes(snap.samples)}
    else:
        arrays = {"x": snap.x, "curves": snap.samples}
    if snap.labels is not None:
        arrays["labels"] = snap.labels
    if snap.heat is not None:
        arrays["heat"] = snap.heat
    return arrays


def view_fields(frame: Frame | None) -> dict[str, Any] | None:
    """The Snapshot fields a stored frame gives back (as float64, labels as ints); None if the
    frame is missing or does not hold a view's arrays."""
    if frame is None or "x" not in frame.arrays:
        return None
    x = frame.arrays["x"].astype(np.float64)
    if "images" in frame.arrays and frame.arrays["images"].ndim == 4:
        samples = from_bytes(frame.arrays["images"])
    elif "curves" in frame.arrays and frame.arrays["curves"].ndim == 2:
        samples = frame.arrays["curves"].astype(np.float64)
    else:
        return None
    if x.ndim != 1 or (len(x) and samples.shape[1] != len(x)):
        return None
    fields: dict[str, Any] = {"x": x, "samples": samples}
    if "labels" in frame.arrays:
        fields["labels"] = frame.arrays["labels"].astype(np.int64)
    if "heat" in frame.arrays:
        fields["heat"] = frame.arrays["heat"].astype(np.float64)
    return fields
