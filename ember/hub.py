"""``ember.hub``: torch.hub's API — checkpoint downloads and ``hubconf.py`` entrypoints.

Cache layout (decided for ember, documented in the user guide):

* ``get_dir()`` is ``set_dir(...)``'s value, else ``$EMBER_HOME/hub``, else ``$TORCH_HOME/hub`` when
  ``TORCH_HOME`` is set (so a torch cache is reused as it is), else ``$XDG_CACHE_HOME/ember/hub``
  (default ``~/.cache/ember/hub``).
* Checkpoints live in ``get_dir()/checkpoints``. When a file is missing there, torch's own default
  cache (``~/.cache/torch/hub/checkpoints``) is looked at read-only before any download, so weights
  downloaded once by PyTorch are not fetched again.
* ``load("pytorch/vision[:ref]", name)`` resolves to ``ember.vision.models`` entrypoints, never to
  the downloaded repository: the real torchvision ``hubconf.py`` imports torchvision's compiled
  internals. Other GitHub repos are downloaded as ``{GITHUB_URL}/{owner}/{repo}/zipball/{ref}``;
  ``GITHUB_URL`` (module attribute, or the ``EMBER_HUB_GITHUB_URL`` environment variable) lets tests
  point at a local server. Fork validation through GitHub's API is not performed.
"""
from __future__ import annotations

import errno
import hashlib
import importlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
import uuid
import warnings
import zipfile
from typing import Any, Callable, Dict, List, Optional, Union
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlparse
from urllib.request import Request, url2pathname, urlopen

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url",
           "set_dir"]

ENV_EMBER_HOME = "EMBER_HOME"
ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
ENV_GITHUB_URL = "EMBER_HUB_GITHUB_URL"
DEFAULT_CACHE_DIR = "~/.cache"
MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"
READ_DATA_CHUNK = 128 * 1024
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
GITHUB_URL = "https://github.com"
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")
# Repos whose hubconf needs the real torchvision; ember serves them from its own model zoo.
_BUILTIN_REPOS = {("pytorch", "vision"): "ember.vision.hubconf"}

_hub_dir: Optional[str] = None

try:
    from tqdm import tqdm as _tqdm
except ImportError:  # pragma: no cover - depends on the environment
    _tqdm = None


class _SimpleProgress:
    """A minimal stand-in for tqdm: a percentage line on stderr."""

    def __init__(self, total=None, disable=False, **_: Any) -> None:
        self.total, self.disable, self.n = total, disable, 0

    def update(self, n: int) -> None:
        self.n += n
        if self.disable:
            return
        if self.total:
            sys.stderr.write(f"\r{100.0 * self.n / self.total:.1f}%")
        else:
            sys.stderr.write(f"\r{self.n} bytes")
        sys.stderr.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self.disable:
            sys.stderr.write("\n")


def _progress(total: Optional[int], disable: bool):
    if _tqdm is not None:
        return _tqdm(total=total, disable=disable, unit="B", unit_scale=True, unit_divisor=1024)
    return _SimpleProgress(total=total, disable=disable)


# ---------------------------------------------------------------- directories

def _get_ember_home() -> str:
    """The root of ember's caches: ``$EMBER_HOME``, else ``$TORCH_HOME``, else ``~/.cache/ember``."""
    home = os.getenv(ENV_EMBER_HOME) or os.getenv(ENV_TORCH_HOME)
    if home:
        return os.path.expanduser(home)
    return os.path.expanduser(os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "ember"))


_get_torch_home = _get_ember_home


def _torch_default_checkpoints() -> str:
    base = os.getenv(ENV_TORCH_HOME) or os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR),
                                                       "torch")
    return os.path.join(os.path.expanduser(base), "hub", "checkpoints")


def get_dir() -> str:
    """The hub cache directory (``set_dir``'s value, else ``<ember home>/hub``)."""
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_ember_home(), "hub")


def set_dir(d: Union[str, os.PathLike]) -> None:
    """Set the hub cache directory used by later downloads and loads."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


# ---------------------------------------------------------------- downloads

def _github_url() -> str:
    return (os.getenv(ENV_GITHUB_URL) or GITHUB_URL).rstrip("/")


def download_url_to_file(url: str, dst: str, hash_prefix: Optional[str] = None,
                         progress: bool = True) -> None:
    """Download ``url`` to ``dst`` through a temporary file, checking a SHA-256 prefix if given."""
    dst = os.path.expanduser(dst)
    req = Request(url, headers={"User-Agent": "ember.hub"})
    with urlopen(req) as u:  # noqa: S310 - user-requested URL
        meta = u.info()
        length = meta.get_all("Content-Length") if hasattr(meta, "get_all") else meta.getheaders(
            "Content-Length")
        file_size = int(length[0]) if length else None
        dst_dir = os.path.dirname(os.path.abspath(dst))
        os.makedirs(dst_dir, exist_ok=True)
        # A unique temp name in the destination folder: an interrupted download never leaves a
        # truncated file under the final name, and the final rename stays on one filesystem.
        tmp_path = os.path.join(dst_dir, f".{os.path.basename(dst)}.{uuid.uuid4().hex}.partial")
        try:
            sha256 = hashlib.sha256() if hash_prefix is not None else None
            with open(tmp_path, "wb") as f, _progress(file_size, not progress) as bar:
                while True:
                    buf = u.read(READ_DATA_CHUNK)
                    if not buf:
                        break
                    f.write(buf)
                    if sha256 is not None:
                        sha256.update(buf)
                    bar.update(len(buf))
            if sha256 is not None:
                digest = sha256.hexdigest()
                if digest[:len(hash_prefix)] != hash_prefix:
                    raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
            os.replace(tmp_path, dst)
        finally:
            if os.path.exists(tmp_path):
                os.remove(tmp_path)


def _local_path_of(url: str) -> Optional[str]:
    """The filesystem path a ``file://`` URL or plain path names, or None for a network URL."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return url2pathname(unquote(parsed.path))
    if parsed.scheme in ("", ) or (len(parsed.scheme) == 1 and os.name == "nt"):
        return os.path.expanduser(url)
    return None


def _is_legacy_zip_format(filename: str) -> bool:
    if not zipfile.is_zipfile(filename):
        return False
    with zipfile.ZipFile(filename) as zf:
        infos = zf.infolist()
    return len(infos) == 1 and not infos[0].is_dir()


def _legacy_zip_load(filename: str, model_dir: str, map_location, weights_only: bool):
    warnings.warn("Falling back to the old format < 1.6. This support will be deprecated in favor of "
                  "default zipfile format introduced in 1.6. Please redo torch.save() to save it in "
                  "the new zipfile format.")
    with zipfile.ZipFile(filename) as zf:
        member = zf.infolist()[0]
        _safe_extract(zf, model_dir)
    return _ember().load(os.path.join(model_dir, member.filename), map_location=map_location,
                         weights_only=weights_only)


def _ember():
    import ember
    return ember


def load_state_dict_from_url(url: str, model_dir: Optional[str] = None, map_location=None,
                             progress: bool = True, check_hash: bool = False,
                             file_name: Optional[str] = None, weights_only: bool = True) -> Dict[str, Any]:
    """Load a serialized object (usually a state_dict) from a URL, using the hub checkpoint cache."""
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead")
    local = _local_path_of(url)
    if local is not None:
        if not os.path.isfile(local):
            raise FileNotFoundError(errno.ENOENT, f"No checkpoint file at {local!r} (from {url!r})", local)
        return _ember().load(local, map_location=map_location, weights_only=weights_only)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        torch_cached = os.path.join(_torch_default_checkpoints(), filename)
        if file_name is None and os.path.isfile(torch_cached):
            cached_file = torch_cached
        else:
            sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
            hash_prefix = None
            if check_hash:
                r = HASH_REGEX.search(filename)
                hash_prefix = r.group(1) if r else None
            try:
                download_url_to_file(url, cached_file, hash_prefix, progress=progress)
            except (URLError, OSError, ValueError) as e:
                reason = getattr(e, "reason", None) or e
                raise RuntimeError(
                    f"Could not download {url!r} to the cache file {cached_file!r}: {reason}. Without "
                    f"network access, place the file at that path (or set EMBER_HOME) and retry.") from e
    if _is_legacy_zip_format(cached_file):
        return _legacy_zip_load(cached_file, model_dir, map_location, weights_only)
    return _ember().load(cached_file, map_location=map_location, weights_only=weights_only)


# ---------------------------------------------------------------- hubconf repos

def _parse_repo_info(github: str):
    if ":" in github:
        repo_info, ref = github.split(":", 1)
    else:
        repo_info, ref = github, None
    if repo_info.count("/") != 1:
        raise ValueError(f'Invalid input: repo_or_dir should be of the form "repo_owner/repo_name[:ref]",'
                         f" got {github!r}")
    owner, name = repo_info.split("/")
    return owner, name, ref


def _safe_extract(zf: zipfile.ZipFile, dest: str) -> None:
    root = os.path.realpath(dest)
    for member in zf.infolist():
        target = os.path.realpath(os.path.join(dest, member.filename))
        if target != root and not target.startswith(root + os.sep):
            raise ValueError(f"The zip file contains a member outside the target folder: {member.filename!r}")
    zf.extractall(dest)


def _check_repo_is_trusted(owner: str, name: str, repo_dir: str, trust_repo, calling_fn: str) -> None:
    hub_dir = get_dir()
    filepath = os.path.join(hub_dir, "trusted_list")
    os.makedirs(hub_dir, exist_ok=True)
    if not os.path.exists(filepath):
        open(filepath, "a").close()
    with open(filepath) as f:
        trusted = {line.strip() for line in f}
    key = f"{owner}_{name}"
    # A repo already in the cache (downloaded before trust checks existed) counts as trusted.
    is_trusted = key in trusted or os.path.isdir(repo_dir) or owner in _TRUSTED_REPO_OWNERS
    if trust_repo is None:
        if not is_trusted:
            warnings.warn(
                "You are about to download and run code from an untrusted repository. In a future "
                "release, this won't be allowed. To add the repository to your trusted list, change the "
                f"command to {calling_fn}(..., trust_repo=False) and a command prompt will appear asking "
                f"for an explicit confirmation of trust, or {calling_fn}(..., trust_repo=True), which will "
                "assume that the prompt is to be answered with 'yes'. You can also use "
                f"{calling_fn}(..., trust_repo='check') which will only prompt for confirmation if the repo "
                "is not already trusted. This will eventually be the default behaviour")
        return
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(f"The repository {owner}/{name} does not belong to the list of trusted "
                         f"repositories and as such cannot be downloaded. Do you trust this repository "
                         f"and wish to add it to the trusted list of repositories (y/N)?")
        if response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")
        elif response.lower() not in ("y", "yes"):
            raise ValueError(f"Unrecognized response {response}.")
    if key not in trusted and owner not in _TRUSTED_REPO_OWNERS:
        with open(filepath, "a") as f:
            f.write(key + "\n")


def _get_cache_or_reload(github: str, force_reload: bool, trust_repo, calling_fn: str,
                         verbose: bool = True) -> str:
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    owner, name, ref = _parse_repo_info(github)
    refs = [ref] if ref is not None else ["main", "master"]
    norm = lambda r: r.replace("/", "_")  # noqa: E731 - a ref like 'release/1.0' is one folder
    for r in refs:
        repo_dir = os.path.join(hub_dir, f"{owner}_{name}_{norm(r)}")
        if os.path.isdir(repo_dir) and not force_reload:
            _check_repo_is_trusted(owner, name, repo_dir, trust_repo, calling_fn)
            if verbose:
                sys.stderr.write(f"Using cache found in {repo_dir}\n")
            return repo_dir
    _check_repo_is_trusted(owner, name, os.path.join(hub_dir, "\0none"), trust_repo, calling_fn)
    last_error: Optional[BaseException] = None
    for r in refs:
        repo_dir = os.path.join(hub_dir, f"{owner}_{name}_{norm(r)}")
        url = f"{_github_url()}/{owner}/{name}/zipball/{r}"
        cached_zip = os.path.join(hub_dir, norm(r) + ".zip")
        if verbose:
            sys.stderr.write(f'Downloading: "{url}" to {cached_zip}\n')
        try:
            download_url_to_file(url, cached_zip, progress=False)
        except HTTPError as e:
            last_error = e
            if e.code == 404 and ref is None:
                continue
            raise
        except (URLError, OSError) as e:
            raise RuntimeError(f"Could not download {url!r} to {cached_zip!r}: "
                               f"{getattr(e, 'reason', e)}") from e
        try:
            with zipfile.ZipFile(cached_zip) as zf:
                names = zf.namelist()
                roots = {n.split("/", 1)[0] for n in names}
                extract_tmp = tempfile.mkdtemp(dir=hub_dir)
                _safe_extract(zf, extract_tmp)
            src = os.path.join(extract_tmp, roots.pop()) if len(roots) == 1 else extract_tmp
            if os.path.isdir(repo_dir):
                shutil.rmtree(repo_dir)
            shutil.move(src, repo_dir)
            shutil.rmtree(extract_tmp, ignore_errors=True)
        finally:
            if os.path.exists(cached_zip):
                os.remove(cached_zip)
        return repo_dir
    raise RuntimeError(f"Cannot find a branch main or master for {owner}/{name}") from last_error


def _import_module(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _add_to_sys_path:
    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self):
        sys.path.insert(0, self.path)

    def __exit__(self, *exc: Any) -> None:
        try:
            sys.path.remove(self.path)
        except ValueError:
            pass


def _check_dependencies(m) -> None:
    deps = getattr(m, VAR_DEPENDENCY, None)
    if deps is None:
        return
    # torch and torchvision are served by ember itself.
    missing = [d for d in deps if d not in ("torch", "torchvision")
               and importlib.util.find_spec(d) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")


def _load_entry_from_hubconf(m, model: str) -> Callable:
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    _check_dependencies(m)
    func = getattr(m, model, None)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _hub_module(repo_or_dir: str, source: str, force_reload: bool, trust_repo, calling_fn: str,
                verbose: bool):
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        owner, name, _ = _parse_repo_info(repo_or_dir)
        builtin = _BUILTIN_REPOS.get((owner, name))
        if builtin is not None:
            return importlib.import_module(builtin)
        repo_or_dir = _get_cache_or_reload(repo_or_dir, force_reload, trust_repo, calling_fn, verbose)
    hubconf = os.path.join(repo_or_dir, MODULE_HUBCONF)
    if not os.path.isfile(hubconf):
        raise FileNotFoundError(errno.ENOENT, f"No {MODULE_HUBCONF} in {repo_or_dir!r}", hubconf)
    with _add_to_sys_path(repo_or_dir):
        return _import_module(MODULE_HUBCONF, hubconf)


def list(github: str, force_reload: bool = False, skip_validation: bool = False,  # noqa: A001
         trust_repo="check", verbose: bool = True) -> List[str]:
    """Names of the entrypoints a repo's ``hubconf.py`` provides."""
    m = _hub_module(github, "github", force_reload, trust_repo, "list", verbose)
    return [f for f in dir(m) if callable(getattr(m, f)) and not f.startswith("_")]


def help(github: str, model: str, force_reload: bool = False, skip_validation: bool = False,  # noqa: A001
         trust_repo="check") -> Optional[str]:
    """The docstring of one entrypoint of a repo's ``hubconf.py``."""
    m = _hub_module(github, "github", force_reload, trust_repo, "help", True)
    return _load_entry_from_hubconf(m, model).__doc__


def load(repo_or_dir: str, model: str, *args: Any, source: str = "github", trust_repo="check",
         force_reload: bool = False, verbose: bool = True, skip_validation: bool = False,
         **kwargs: Any) -> Any:
    """Load a model from a GitHub repo or a local folder holding a ``hubconf.py``."""
    m = _hub_module(repo_or_dir, source, force_reload, trust_repo, "load", verbose)
    return _load_entry_from_hubconf(m, model)(*args, **kwargs)


def _load_local(hubconf_dir: str, model: str, *args: Any, **kwargs: Any) -> Any:
    """Load an entrypoint from a local ``hubconf.py`` folder."""
    with _add_to_sys_path(hubconf_dir):
        m = _import_module(MODULE_HUBCONF, os.path.join(hubconf_dir, MODULE_HUBCONF))
    return _load_entry_from_hubconf(m, model)(*args, **kwargs)
