"""Optical flow: speed and accuracy per algorithm, and what uint8 JPEG storage costs.

For each algorithm: frame pairs/s with OpenCV on 2 threads at 320x240 and 224x224
(the two-stream paper: 0.06 s per pair for GPU Brox, ~17 pairs/s), and the end-point
error (EPE, px) against the known flow of generated pairs: global translations
(small and large) and a smooth non-rigid warp. Storage: bytes per stored field (x and
y JPEGs, bound 20, quality 95) against float32, and the EPE the compression adds,
measured on the true flow and on DIS's estimate of it (noisier, so larger JPEGs).

Run:
    python benchmarks/flow.py               # about a minute on 2 cores
Results go to benchmarks/results/flow.json and flow.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np

from keras_video_zoo.data.synthetic_flow import smooth_warp_pair, translation_pair
from keras_video_zoo.flow.extraction import ALGORITHMS, DEFAULT_ALGORITHM, FlowExtractor, end_point_error
from keras_video_zoo.flow.quantisation import dequantize_flow, quantize_flow
from keras_video_zoo.flow.storage import FlowFolder, write_flow_folder
from keras_video_zoo.markdown import markdown_table

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"320x240": (240, 320), "224x224": (224, 224)}
MARGIN = 16
CASES = {
    "shift 1.5 px": lambda h, w: translation_pair(h, w, (1.5, -0.5), seed=1),
    "shift 11 px": lambda h, w: translation_pair(h, w, (10.0, 4.5), seed=2),
    "warp 3 px": lambda h, w: smooth_warp_pair(h, w, 3.0, seed=3),
    "warp 6 px": lambda h, w: smooth_warp_pair(h, w, 6.0, period=128.0, seed=4),
}


def pairs_per_second(algorithm: str, size: tuple[int, int], seconds: float) -> float:
    first, second, _ = smooth_warp_pair(*size, 3.0, seed=5)
    extractor = FlowExtractor(algorithm)
    extractor(first, second)  # warm-up: allocations, pyramids
    count, start = 0, time.perf_counter()
    while count < 2 or time.perf_counter() - start < seconds:
        extractor(first, second)
        count += 1
    return count / (time.perf_counter() - start)


def storage(fields: np.ndarray, quality: int, bound: float) -> dict:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory) / "video"
        write_flow_folder(folder, fields, algorithm="benchmark", bound=bound, jpeg_quality=quality)
        jpeg_bytes = sum(p.stat().st_size for p in folder.glob("flow_*.jpg"))
        decoded = FlowFolder(folder).read_pixels()
    quantised_only = dequantize_flow(quantize_flow(fields, bound), bound)
    float_bytes = fields[0].size * 4
    return {
        "bytes_per_field": jpeg_bytes / len(fields),
        "float32_bytes_per_field": float_bytes,
        "compression_ratio": float_bytes * len(fields) / jpeg_bytes,
        "epe_quantisation_px": end_point_error(quantised_only, fields),
        "epe_stored_px": end_point_error(decoded, fields),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="timing per algorithm and size")
    parser.add_argument("--threads", type=int, default=2, help="OpenCV threads")
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)

    speed = {}
    for algorithm in ALGORITHMS:
        speed[algorithm] = {name: pairs_per_second(algorithm, size, args.seconds) for name, size in SIZES.items()}
        print(algorithm, {k: round(v, 1) for k, v in speed[algorithm].items()}, flush=True)
    pairs = {name: make(*SIZES["320x240"]) for name, make in CASES.items()}
    accuracy = {
        algorithm: {
            name: end_point_error(FlowExtractor(algorithm)(first, second), truth, MARGIN)
            for name, (first, second, truth) in pairs.items()
        }
        for algorithm in ALGORITHMS
    }
    truth_fields = np.stack([truth for _, _, truth in pairs.values()])
    estimated = np.stack([FlowExtractor(DEFAULT_ALGORITHM)(a, b) for a, b, _ in pairs.values()])
    stored = {
        "true flow, q95": storage(truth_fields, 95, 20.0),
        f"{DEFAULT_ALGORITHM} estimate, q95": storage(estimated, 95, 20.0),
        f"{DEFAULT_ALGORITHM} estimate, q75": storage(estimated, 75, 20.0),
    }
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores".strip(),
        "opencv": cv2.__version__,
        "threads": args.threads,
        "paper_gpu_brox_pairs_per_s": 1 / 0.06,
        "pairs_per_s": speed,
        "epe_px_320x240": accuracy,
        "storage_320x240_bound20": stored,
    }
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "flow.json").write_text(json.dumps(results, indent=1))

    rows = [
        [
            name + (" (default)" if name == DEFAULT_ALGORITHM else ""),
            *(f"{speed[name][size]:.1f}" for size in SIZES),
            *(f"{accuracy[name][case]:.3f}" for case in CASES),
        ]
        for name in ALGORITHMS
    ]
    rows.append(["GPU Brox (paper)", "16.7", "", "", "", "", ""])
    speed_table = markdown_table(["algorithm", *(f"pairs/s {s}" for s in SIZES), *(f"EPE {c}" for c in CASES)], rows)
    storage_rows = [
        [
            name,
            f"{s['bytes_per_field'] / 1024:.1f} KiB",
            f"{s['float32_bytes_per_field'] / 1024:.0f} KiB",
            f"{s['compression_ratio']:.0f}x",
            f"{s['epe_quantisation_px']:.3f}",
            f"{s['epe_stored_px']:.3f}",
        ]
        for name, s in stored.items()
    ]
    storage_table = markdown_table(
        ["fields (320x240, B=20)", "JPEG x+y", "float32", "ratio", "EPE quantisation", "EPE stored"], storage_rows
    )
    text = (
        f"Flow on {results['machine']}, OpenCV {cv2.__version__}, {args.threads} threads ({results['date']}). "
        f"EPE in px at 320x240, {MARGIN} px border excluded.\n\n{speed_table}\n\n"
        "Paper (two-stream): 1.5 TB of float flow -> 27 GB of JPEGs for UCF-101 (~55x).\n\n"
        f"{storage_table}\n"
    )
    (out / "flow.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
