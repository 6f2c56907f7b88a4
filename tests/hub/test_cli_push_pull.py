"""`kvz push` / `kvz pull` and plain keras.saving.load_model("hf://..."), in fresh processes.

huggingface_hub reads HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE and HF_HUB_OFFLINE from the
environment, so these runs point the unmodified client at the loopback Hub the usual way.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from keras_video_zoo.hub import save_pretrained
from tests.helpers.models import LABELS

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_push_pull_and_plain_keras_then_offline(hub, tiny_model, clips, tmp_path):
    save_pretrained(tiny_model, tmp_path / "ckpt", tag="cli", labels=LABELS)
    np.save(tmp_path / "clips.npy", clips)
    env = {
        "HF_ENDPOINT": hub.url,
        "HF_TOKEN": hub.token,
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_CACHE": str(tmp_path / "hf-cache"),
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    }
    online = _run_python(
        f"""
        import keras, numpy as np
        from keras_video_zoo.cli import main
        assert main(["push", "me/cli", "--model", "{tmp_path / "ckpt"}", "--metric", "video_hit@1=0.5"]) == 0
        assert main(["pull", "hf://me/cli", "--load"]) == 0
        model = keras.saving.load_model("hf://me/cli")  # plain Keras, the zoo only registered its layers
        np.save("{tmp_path / "online.npy"}", model.predict(np.load("{tmp_path / "clips.npy"}"), verbose=0))
        """,
        env,
    )
    assert online.returncode == 0, online.stderr[-3000:]
    assert "Published slow_fusion_tiny.cli to hf://me/cli@main" in online.stdout
    assert "video_hit@1 0.5" in online.stdout and "3 files verified" in online.stdout
    # Another process may pick other oneDNN kernels: the same weights agree to float32 round-off, not bit for bit.
    np.testing.assert_allclose(np.load(tmp_path / "online.npy"), tiny_model.predict(clips, verbose=0), atol=1e-6)

    served = len(hub.requests)
    offline = _run_python(
        f"""
        import sys, numpy as np
        from keras_video_zoo import from_pretrained
        from keras_video_zoo.cli import main
        assert main(["pull", "hf://me/cli"]) == 0
        assert main(["pull", "hf://me/never"]) == 1
        assert main(["pull", "not a source"]) == 2
        model = from_pretrained("hf://me/cli")
        np.save("{tmp_path / "offline.npy"}", model.predict(np.load("{tmp_path / "clips.npy"}"), verbose=0))
        """,
        {**env, "HF_HUB_OFFLINE": "1"},
    )
    assert offline.returncode == 0, offline.stderr[-3000:]
    assert "hf://me/never is not in the Hub cache" in offline.stderr and "HF_HUB_OFFLINE" in offline.stderr
    assert "'not a source' is not a model SOURCE" in offline.stderr
    np.testing.assert_allclose(np.load(tmp_path / "offline.npy"), tiny_model.predict(clips, verbose=0), atol=1e-6)
    assert len(hub.requests) == served  # offline: not one request reached the Hub


def test_bad_input_exits_2_before_any_network(tmp_path, capsys):
    from keras_video_zoo.cli import main

    assert main(["push", "me/x", "--model", str(tmp_path / "missing.keras")]) == 2
    assert "missing.keras does not exist" in capsys.readouterr().err
    assert main(["pull", "slow_fusion_tiny.nope"]) == 2
    assert "No checkpoint is registered as 'slow_fusion_tiny.nope'" in capsys.readouterr().err


def test_pull_copies_a_verified_checkpoint_folder(tiny_model, tmp_path, capsys):
    from keras_video_zoo.cli import main

    save_pretrained(tiny_model, tmp_path / "ckpt", labels=LABELS)
    assert main(["pull", str(tmp_path / "ckpt"), "--local-dir", str(tmp_path / "copy"), "--load"]) == 0
    out = capsys.readouterr().out
    assert "3 files verified" in out and f"{tiny_model.count_params():,} parameters (safe mode)" in out
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == [
        "config.json",
        "keras_video_zoo.json",
        "metadata.json",
        "model.weights.h5",
    ]
    (tmp_path / "copy" / "config.json").write_text("{}")
    assert main(["pull", str(tmp_path / "copy")]) == 1
    assert "config.json has sha256" in capsys.readouterr().err
