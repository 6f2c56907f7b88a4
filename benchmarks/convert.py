"""Conversion time and peak memory of ``kvz convert`` on paper-size look-alikes of the published files.

Writes (into a temporary folder) look-alikes of VGG's ``VGG_CNN_M_2048.caffemodel`` (V1 layers,
1000 classes, 370 MB) with a mean file, CUHK's ``cuhk_action_spatial_vgg_16_split1.caffemodel``
(VGG-16, 101 classes, 539 MB) with its deploy.prototxt, and a MatConvNet DagNN temporal VGG-16
in the form of the two-stream fusion release, then runs ``kvz convert`` on each in a fresh
process and reads the process's own peak resident memory (``wait4``'s ``ru_maxrss``). The floor
is a process that reads the file's layer list and builds the same zoo model with its initial
weights, which loading the converted checkpoint costs anyway: the conversion's memory is the peak
above that floor, compared with the file's size.

Run::

    python benchmarks/convert.py                    # paper size
    python benchmarks/convert.py --update-readme
    python benchmarks/convert.py --quick            # width 0.25: a smoke run, results to a temporary folder
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import experiments as ex
import numpy as np

from keras_video_zoo.convert import lookalikes
from keras_video_zoo.markdown import markdown_table

# The floor: a fresh process that reads the file's layer list (no weights) and builds the same zoo model with its
# initial weights, what loading the converted checkpoint costs anyway (TensorFlow's allocator keeps the random
# initialisation's temporaries: about 2.8x the weights).
FLOOR = """
import sys
from pathlib import Path
from keras_video_zoo.convert import checkpoint
net = checkpoint.read_source(sys.argv[1], sys.argv[2] or None)
mapping = checkpoint.map_net(net)
checkpoint._preprocess(mapping, net, None, None, [])
checkpoint.create_model(mapping.model, **mapping.build)
"""


def _files(folder: Path, width: float) -> list[dict]:
    """Writes the look-alikes in a process of their own: a child forked from a process holding gigabytes of
    random weights would start its peak memory (``ru_maxrss``) there."""
    here = str(Path(__file__).parent)
    code = f"import sys; sys.path.insert(0, {here!r}); import convert; convert.write_files({str(folder)!r}, {width})"
    subprocess.run([sys.executable, "-c", code], check=True)
    return [
        {"name": "CNN-M-2048 (Caffe V1)", "file": folder / "VGG_CNN_M_2048.caffemodel",
         "extra": ["--mean", str(folder / "VGG_mean.binaryproto")]},
        {"name": "VGG-16 spatial (Caffe, prototxt)", "file": folder / "cuhk_action_spatial_vgg_16_split1.caffemodel",
         "extra": ["--prototxt", str(folder / "cuhk_action_spatial_vgg_16_deploy.prototxt")]},
        {"name": "VGG-16 temporal (MatConvNet DagNN)", "file": folder / "ucf101-TVL1flow-vgg16-split1.mat",
         "extra": []},
    ]  # fmt: skip


def write_files(folder: str, width: float) -> None:
    folder = Path(folder)
    rng = np.random.default_rng(0)
    full = width == 1.0
    fc_m, fc_v = ((4096, 2048), (4096, 4096)) if full else ((256, 128), (256, 256))
    cnn_m = lookalikes.cnn_m_2048(rng, width=width, fc=fc_m, classes=1000, size=224)
    spatial = lookalikes.vgg16(rng, width=width, fc=fc_v, classes=101, size=224)
    temporal = lookalikes.vgg16(rng, width=width, fc=fc_v, classes=101, size=224, channels=20)
    lookalikes.write_caffemodel(folder / "VGG_CNN_M_2048.caffemodel", cnn_m, v1=True, input_dims=[10, 3, 224, 224])
    lookalikes.write_binaryproto(folder / "VGG_mean.binaryproto", rng.uniform(90, 130, (3, 224, 224)).astype("f4"))
    lookalikes.write_caffemodel(folder / "cuhk_action_spatial_vgg_16_split1.caffemodel", spatial)
    lookalikes.write_prototxt(folder / "cuhk_action_spatial_vgg_16_deploy.prototxt", spatial, [1, 3, 224, 224])
    lookalikes.write_matconvnet(folder / "ucf101-TVL1flow-vgg16-split1.mat", temporal, size=224, channels=20, dag=True,
                                average_image=np.full((1, 1, 20), 128.0, "f4"), wrap_in_net=True)  # fmt: skip


def _run(argv: list[str]) -> tuple[float, float, int]:
    """(seconds, peak resident MB, exit code) of a fresh Python process."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        ex.log(process.stderr.read().decode(errors="replace")[-2000:])
    return seconds, usage.ru_maxrss / 1024, process.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="width-0.25 files: a smoke run")
    parser.add_argument("--results", type=Path, help="results folder (default benchmarks/results)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    rows, measured = [], []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for entry in _files(folder, 0.25 if args.quick else 1.0):
            size_mb = entry["file"].stat().st_size / 1e6
            prototxt = entry["extra"][1] if entry["extra"][:1] == ["--prototxt"] else ""
            floor = _run(["-c", FLOOR, str(entry["file"]), prototxt])
            out = folder / (entry["file"].stem + "_zoo")
            seconds, peak, code = _run(
                ["-m", "keras_video_zoo.cli", "convert", str(entry["file"]), str(out), *entry["extra"]]
            )
            if code:
                raise SystemExit(f"kvz convert failed on {entry['name']} (exit {code}); see the log above")
            overhead = peak - floor[1]
            result = {"file": entry["file"].name, "size_mb": size_mb, "seconds": seconds, "peak_mb": peak,
                      "floor_mb": floor[1], "floor_seconds": floor[0], "overhead_mb": overhead,
                      "overhead_per_file_size": overhead / size_mb}  # fmt: skip
            measured.append({"name": entry["name"], **result})
            rows.append([entry["name"], f"{size_mb:,.0f}", f"{seconds:.1f}", f"{peak:,.0f}", f"{floor[1]:,.0f}",
                         f"{overhead:,.0f} ({overhead / size_mb:.2f}x)"])  # fmt: skip
            ex.log(
                f"{entry['name']}: {seconds:.1f} s, peak {peak:,.0f} MB (floor {floor[1]:,.0f} MB), "
                f"file {size_mb:,.0f} MB"
            )
    record = ex.run_record("convert", argv or sys.argv[1:])
    table = markdown_table(
        ["file", "size MB", "kvz convert s", "peak MB", "floor MB", "above the floor (x file size)"], rows
    )
    markdown = (
        f"Measured {record['date']} on {record['machine']}; each conversion in a fresh process (read, map, build, "
        "check against the NumPy reference, save). Peak = the process's maximum resident memory; floor = a process "
        "that reads the file's layer list and builds the same zoo model with its initial weights (what loading the "
        "converted checkpoint costs anyway; TensorFlow alone is about 830 MB). "
        f"`{record['command']}`.\n\n{table}"
    )
    ex.write_results("convert", {**record, "results": measured}, markdown, ex.results_dir(args.results, args.quick),
                     update_readme=args.update_readme)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
