"""The loopback Hub itself: loopback-only, stopped by its context, Hub-style errors for the real client."""

import socket

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

from tests.helpers.loopback_hub import LoopbackHub, git_blob_id


def test_binds_loopback_only_and_frees_the_port_when_stopped():
    with LoopbackHub() as hub:
        host, port = hub.url.removeprefix("http://").split(":")
        assert host == "127.0.0.1"
        socket.create_connection((host, int(port)), timeout=1).close()
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=1)
    with pytest.raises(RuntimeError, match="not running"):
        _ = hub.url


def test_speaks_the_hub_protocol_to_the_real_client():
    with LoopbackHub() as hub:
        api = HfApi(endpoint=hub.url, token=hub.token)
        api.create_repo("org/r")
        first = api.upload_file(path_or_fileobj=b"one", path_in_repo="d/a.txt", repo_id="org/r").oid
        api.upload_file(path_or_fileobj=b"two", path_in_repo="d/a.txt", repo_id="org/r")
        assert api.model_info("org/r", revision=first).sha == first
        tree = {f.path: f.blob_id for f in api.list_repo_tree("org/r", recursive=True, revision=first)}
        assert tree["d/a.txt"] == git_blob_id(b"one")
        assert api.file_exists("org/r", "d/a.txt") and not api.file_exists("org/r", "b.txt")
        with pytest.raises(RevisionNotFoundError):
            api.model_info("org/r", revision="nope")
        with pytest.raises(RepositoryNotFoundError):
            api.model_info("org/none")
        with pytest.raises(HfHubHTTPError, match="pull requests"):
            api.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id="org/r", create_pr=True)


def test_writes_need_a_token():
    with LoopbackHub() as hub:
        with pytest.raises(HfHubHTTPError, match="401"):
            HfApi(endpoint=hub.url, token=False).create_repo("org/r")
