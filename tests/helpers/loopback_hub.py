"""A loopback Hugging Face Hub for the tests: **a test server, not a Hub replacement** (not shipped in the wheel).

:class:`LoopbackHub` speaks the Hub's HTTP protocol for the calls that
``huggingface_hub``'s own client makes when the zoo publishes and loads checkpoints,
so tests drive the real, unmodified client end to end with no network:

- ``POST /api/repos/create`` (public or private model repos),
- ``POST /api/validate-yaml`` (model card front matter),
- ``POST /api/models/{repo}/preupload/{rev}`` and ``POST .../commit/{rev}`` (NDJSON commits;
  every file is sent inline as a "regular" blob, so no LFS/Xet storage is involved),
- ``GET /api/models/{repo}[/revision/{rev}]`` (model info, revision -> commit),
- ``GET /api/models/{repo}/tree/{rev}``, ``GET .../refs``, ``POST .../branch/{name}``,
- ``HEAD``/``GET /{repo}/resolve/{rev}/{path}`` with ``ETag``, ``X-Repo-Commit`` and
  ``Content-Length``, and the Hub's ``X-Error-Code`` headers (``RepoNotFound``,
  ``RevisionNotFound``, ``EntryNotFound``) so the client raises its usual errors.

It keeps repositories in memory (branches, commits, blobs), binds ``127.0.0.1`` only,
on a free port, caps request bodies, and stops when the ``with`` block ends. Writes
need a bearer token from :attr:`LoopbackHub.tokens`; private repos need one to read.
Point a client at it with ``endpoint=hub.url`` (``HfApi``, ``hf_hub_download``,
``snapshot_download`` and the zoo's own functions accept it) or, in a fresh process,
with ``HF_ENDPOINT=hub.url`` (huggingface_hub reads that variable when it is imported).

Example:
>>> from huggingface_hub import HfApi
>>> with LoopbackHub() as hub:
...     api = HfApi(endpoint=hub.url, token=hub.token)
...     api.create_repo("org/demo").repo_id
...     _ = api.upload_file(path_or_fileobj=b"hello", path_in_repo="a.txt", repo_id="org/demo")
...     sorted(api.list_repo_files("org/demo"))
'org/demo'
['.gitattributes', 'a.txt']
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

DEFAULT_TOKEN = "hf_loopback_test_token"
DEFAULT_USER = "tester"
MAX_BODY_BYTES = 256 * 1024 * 1024  # refuse bigger requests instead of buffering them
_GITATTRIBUTES = b"*.h5 filter=lfs diff=lfs merge=lfs -text\n*.keras filter=lfs diff=lfs merge=lfs -text\n"
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


def git_blob_id(content: bytes) -> str:
    """The git object id of a blob (what the Hub reports as a regular file's ``oid``/``ETag``).

    Example:
    >>> git_blob_id(b"")
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class _Commit:
    oid: str
    parent: str | None
    files: dict[str, str]  # path -> blob id
    summary: str
    created: float


@dataclass
class _Repo:
    repo_id: str
    private: bool
    branches: dict[str, str] = field(default_factory=dict)  # name -> commit oid
    tags: dict[str, str] = field(default_factory=dict)
    commits: dict[str, _Commit] = field(default_factory=dict)


class HubError(Exception):
    """An HTTP error answer: status, the Hub's ``X-Error-Code`` and a message."""

    def __init__(self, status: int, code: str | None, message: str, commit: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.commit = status, code, message, commit


class _HubState:
    """Repositories, commits and blobs, shared by the handler threads under one lock."""

    def __init__(self, tokens: dict[str, str]):
        self.tokens = tokens
        self.repos: dict[str, _Repo] = {}
        self.blobs: dict[str, bytes] = {}
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str]] = []  # (method, path) log, for tests that check traffic

    def user(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        return self.tokens.get(authorization.removeprefix("Bearer ").strip())

    def repo(self, repo_id: str, user: str | None) -> _Repo:
        repo = self.repos.get(repo_id)
        if repo is None or (repo.private and user is None):
            # Like the Hub: a private repo is indistinguishable from a missing one without credentials.
            raise HubError(404 if user else 401, "RepoNotFound", f"Repository {repo_id} not found")
        return repo

    def resolve(self, repo: _Repo, revision: str) -> _Commit:
        revision = revision.removeprefix("refs/heads/").removeprefix("refs/tags/")
        oid = repo.branches.get(revision) or repo.tags.get(revision)
        if oid is None and _COMMIT_RE.match(revision) and revision in repo.commits:
            oid = revision
        if oid is None:
            raise HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        return repo.commits[oid]

    def commit(self, repo: _Repo, branch: str, files: dict[str, str], summary: str, parent: str | None) -> _Commit:
        payload = json.dumps([repo.repo_id, branch, parent, sorted(files.items()), summary, time.time_ns()])
        oid = hashlib.sha1(payload.encode()).hexdigest()
        commit = _Commit(oid, parent, files, summary, time.time())
        repo.commits[oid] = commit
        repo.branches[branch] = oid
        return commit

    def create_repo(self, repo_id: str, private: bool) -> _Repo:
        repo = _Repo(repo_id, private)
        blob = git_blob_id(_GITATTRIBUTES)
        self.blobs[blob] = _GITATTRIBUTES
        self.commit(repo, "main", {".gitattributes": blob}, "initial commit", None)
        self.repos[repo_id] = repo
        return repo


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _LoopbackServer
    timeout = 30  # seconds a connection may sit idle: a stuck client cannot hold a thread forever

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read errors from the client
        pass

    # ----------------------------------------------------------------- plumbing

    @property
    def state(self) -> _HubState:
        return self.server.state

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise HubError(413, None, f"request body of {length} bytes is over the {MAX_BODY_BYTES} limit")
        return self.rfile.read(length) if length else b""

    def end_headers(self) -> None:
        # One request per connection: once stop() returns, no kept-alive socket can still be answered.
        self.send_header("Connection", "close")
        self.close_connection = True
        super().end_headers()

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, head: bool = False):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None):
        self._send(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        with self.state.lock:
            self.state.requests.append((method, url.path))
        try:
            body = self._body() if method in ("POST", "PUT", "DELETE") else b""
            user = self.state.user(self.headers.get("Authorization"))
            segments = [unquote(part) for part in url.path.strip("/").split("/")]
            with self.state.lock:
                self._route(method, segments, parse_qs(url.query), body, user)
        except HubError as error:
            headers = {"X-Error-Message": error.message}
            if error.code:
                headers["X-Error-Code"] = error.code
            if error.commit:
                headers["X-Repo-Commit"] = error.commit
            if method == "HEAD":
                self._send(error.status, b"", headers, head=True)
            else:
                self._json(error.status, {"error": error.message}, headers)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # ------------------------------------------------------------------ routes

    def _route(self, method: str, parts: list[str], query: dict, body: bytes, user: str | None) -> None:
        if parts[:2] == ["api", "whoami-v2"] and method == "GET":
            if user is None:
                raise HubError(401, None, "Invalid credentials in Authorization header")
            return self._json(200, {"type": "user", "name": user, "auth": {"type": "access_token"}})
        if parts[:3] == ["api", "repos", "create"] and method == "POST":
            return self._create_repo(json.loads(body or b"{}"), user)
        if parts[:2] == ["api", "validate-yaml"] and method == "POST":
            return self._validate_yaml(json.loads(body or b"{}"))
        if len(parts) >= 4 and parts[0] == "api" and parts[1] == "models":
            return self._api_model(method, parts[2] + "/" + parts[3], parts[4:], query, body, user)
        if len(parts) >= 5 and parts[2] == "resolve" and method in ("GET", "HEAD"):
            return self._resolve(method, parts[0] + "/" + parts[1], parts[3], "/".join(parts[4:]), user)
        raise HubError(404, None, f"the loopback Hub does not serve {method} /{'/'.join(parts)}")

    def _create_repo(self, payload: dict, user: str | None) -> None:
        if user is None:
            raise HubError(401, None, "Invalid credentials in Authorization header")
        if payload.get("type", "model") != "model":
            raise HubError(400, None, "the loopback Hub hosts model repos only")
        repo_id = f"{payload.get('organization') or user}/{payload['name']}"
        private = payload.get("visibility", "private" if payload.get("private") else "public") != "public"
        url = f"{self.server.url}/{repo_id}"
        if repo_id in self.state.repos:  # the Hub's 409 names the existing repo's URL (create_repo(exist_ok=True))
            return self._json(409, {"error": "You already created this model repo", "url": url})
        self.state.create_repo(repo_id, private)
        self._json(200, {"url": url, "name": repo_id, "id": repo_id})

    def _validate_yaml(self, payload: dict) -> None:
        content = payload.get("content", "")
        match = re.match(r"^---\s*\n(.*?)\n---\s*\n", content, re.DOTALL)
        try:
            metadata = yaml.safe_load(match.group(1)) if match else {}
        except yaml.YAMLError as error:
            return self._json(400, {"errors": [{"message": f"invalid YAML: {error}"}], "warnings": []})
        if metadata is not None and not isinstance(metadata, dict):
            return self._json(400, {"errors": [{"message": "metadata must be a YAML mapping"}], "warnings": []})
        self._json(200, {"errors": [], "warnings": []})

    def _api_model(self, method: str, repo_id: str, rest: list[str], query: dict, body: bytes, user: str | None):
        repo = self.state.repo(repo_id, user)
        action = rest[0] if rest else ""
        if method == "GET" and action in ("", "revision"):
            commit = self.state.resolve(repo, rest[1] if action == "revision" else "main")
            return self._json(200, self._model_info(repo, commit))
        if method == "GET" and action == "tree":
            commit = self.state.resolve(repo, rest[1])
            prefix = "/".join(rest[2:])
            recursive = query.get("recursive", ["False"])[0].lower() == "true"
            return self._json(200, self._tree(commit, prefix, recursive))
        if method == "GET" and action == "refs":

            def ref(name: str, kind: str, oid: str) -> dict:
                return {"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": oid}

            return self._json(
                200,
                {
                    "branches": [ref(n, "heads", o) for n, o in sorted(repo.branches.items())],
                    "tags": [ref(n, "tags", o) for n, o in sorted(repo.tags.items())],
                    "converts": [],
                    "pullRequests": [],
                },
            )
        if user is None:
            raise HubError(401, None, "Invalid credentials in Authorization header")
        if method == "POST" and action == "branch":
            name = "/".join(rest[1:])
            if name in repo.branches:
                raise HubError(409, None, f"Reference refs/heads/{name} already exists")
            start = json.loads(body or b"{}").get("startingPoint") or "main"
            repo.branches[name] = self.state.resolve(repo, start).oid
            return self._json(200, {})
        if method == "POST" and action == "preupload":
            self._refuse_pull_requests(query)
            files = self.state.resolve(repo, rest[1]).files
            answer = [
                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": files.get(f["path"])}
                for f in json.loads(body)["files"]
            ]
            return self._json(200, {"files": answer, "commitOid": self.state.resolve(repo, rest[1]).oid})
        if method == "POST" and action == "commit":
            self._refuse_pull_requests(query)
            return self._commit(repo, "/".join(rest[1:]), body)
        raise HubError(404, None, f"the loopback Hub does not serve {method} /api/models/{repo_id}/{'/'.join(rest)}")

    @staticmethod
    def _refuse_pull_requests(query: dict) -> None:
        if query.get("create_pr", ["0"])[0] in ("1", "true", "True"):
            raise HubError(400, None, "the loopback Hub does not support pull requests (create_pr)")

    def _commit(self, repo: _Repo, branch: str, body: bytes) -> None:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next((line["value"] for line in lines if line["key"] == "header"), {})
        if branch not in repo.branches:
            raise HubError(404, "RevisionNotFound", f"Invalid rev id: {branch} (commits go to a branch)")
        head = repo.commits[repo.branches[branch]]
        parent = header.get("parentCommit")
        if parent is not None and parent != head.oid:
            raise HubError(412, None, f"A commit has happened since. Please refresh and try again ({parent})")
        files = dict(head.files)
        for line in lines:
            key, value = line["key"], line["value"]
            if key == "file":
                if value.get("encoding") != "base64":
                    raise HubError(400, None, f"unsupported encoding {value.get('encoding')!r}")
                content = base64.b64decode(value["content"])
                blob = git_blob_id(content)
                self.state.blobs[blob] = content
                files[value["path"]] = blob
            elif key == "deletedFile":
                if value["path"] not in files:
                    raise HubError(404, "EntryNotFound", f"A file with this name doesn't exist: {value['path']}")
                del files[value["path"]]
            elif key == "deletedFolder":
                folder = value["path"].rstrip("/") + "/"
                files = {path: blob for path, blob in files.items() if not path.startswith(folder)}
            elif key != "header":  # lfsFile would need LFS storage, which this server does not have
                raise HubError(400, None, f"the loopback Hub accepts regular files only, not {key!r}")
        commit = self.state.commit(repo, branch, files, header.get("summary", ""), head.oid)
        self._json(
            200,
            {
                "success": True,
                "commitOid": commit.oid,
                "commitUrl": f"{self.server.url}/{repo.repo_id}/commit/{commit.oid}",
                "pullRequestUrl": None,
            },
        )

    def _model_info(self, repo: _Repo, commit: _Commit) -> dict:
        return {
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": repo.repo_id.split("/")[0],
            "sha": commit.oid,
            "private": repo.private,
            "disabled": False,
            "gated": False,
            "lastModified": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(commit.created)),
            "tags": [],
            "siblings": [{"rfilename": path} for path in sorted(commit.files)],
        }

    def _tree(self, commit: _Commit, prefix: str, recursive: bool) -> list[dict]:
        base = prefix.rstrip("/") + "/" if prefix else ""
        entries: dict[str, dict] = {}
        for path, blob in sorted(commit.files.items()):
            if not path.startswith(base):
                continue
            rest = path[len(base) :]
            if "/" in rest and not recursive:
                folder = base + rest.split("/")[0]
                entries[folder] = {
                    "type": "directory",
                    "oid": hashlib.sha1(folder.encode()).hexdigest(),
                    "path": folder,
                }
            else:
                entries[path] = {"type": "file", "oid": blob, "size": len(self.state.blobs[blob]), "path": path}
        if base and not entries:
            raise HubError(404, "EntryNotFound", f"{prefix} does not exist on this revision")
        return list(entries.values())

    def _resolve(self, method: str, repo_id: str, revision: str, path: str, user: str | None) -> None:
        repo = self.state.repo(repo_id, user)
        commit = self.state.resolve(repo, revision)
        blob = commit.files.get(path)
        if blob is None:
            raise HubError(404, "EntryNotFound", f"{path} does not exist on revision {revision}", commit.oid)
        content = self.state.blobs[blob]
        headers = {
            "Content-Type": "application/octet-stream",
            "ETag": f'"{blob}"',
            "X-Repo-Commit": commit.oid,
            "Accept-Ranges": "bytes",
        }
        status = 200
        byte_range = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        if byte_range and method == "GET":  # resumed download
            start = int(byte_range.group(1))
            headers["Content-Range"] = f"bytes {start}-{len(content) - 1}/{len(content)}"
            content, status = content[start:], 206
        if method == "HEAD":
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
        else:
            self._send(status, content, headers)


class _LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    state: _HubState
    url: str


class LoopbackHub:
    """A Hub-protocol test server on ``127.0.0.1``; use it as a context manager.

    Args:
        tokens: bearer token -> user name; writes need one of them. Defaults to
            ``{DEFAULT_TOKEN: DEFAULT_USER}``.

    Attributes:
        url: the endpoint, e.g. ``http://127.0.0.1:43121``.
        token: a token with write access (the first of ``tokens``).
    """

    def __init__(self, tokens: dict[str, str] | None = None):
        self.tokens = dict(tokens or {DEFAULT_TOKEN: DEFAULT_USER})
        self.token = next(iter(self.tokens))
        self._server: _LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the loopback Hub is not running; use it as `with LoopbackHub() as hub:`")
        return self._server.url

    @property
    def requests(self) -> list[tuple[str, str]]:
        """Every ``(method, path)`` served so far."""
        return list(self._server.state.requests) if self._server else []

    def start(self) -> LoopbackHub:
        server = _LoopbackServer(("127.0.0.1", 0), _Handler)  # port 0: a free port, loopback only
        server.state = _HubState(self.tokens)
        server.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> LoopbackHub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
