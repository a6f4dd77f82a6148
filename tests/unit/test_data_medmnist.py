"""The official DermaMNIST source, downloaded from a loopback HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading

import numpy as np
import pytest

from gan_study import data
from gan_study.data import medmnist


def _small_npz() -> bytes:
    rng = np.random.default_rng(0)
    arrays = {}
    for side, n in (("train", 14), ("val", 3), ("test", 5)):
        arrays[f"{side}_images"] = rng.integers(0, 256, size=(n, 28, 28, 3), dtype=np.uint8)
        arrays[f"{side}_labels"] = rng.integers(0, 7, size=(n, 1), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


class _Server:
    """Serves ``body`` for any path; ``extra`` > 0 announces more bytes than it sends."""

    def __init__(self, body: bytes, extra: int = 0):
        self.body, self.extra, self.requests = body, extra, 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(outer.body) + outer.extra))
                self.end_headers()
                self.wfile.write(outer.body)
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/files/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def npz(monkeypatch):
    body = _small_npz()
    monkeypatch.setitem(medmnist.FILES, 28, ("dermamnist.npz", hashlib.md5(body).hexdigest()))
    return body


def _downloads(cache):
    folder = cache / "downloads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_good_download_then_offline_reuse(npz, tmp_path):
    cache = tmp_path / "cache"
    with _Server(npz) as server:
        d = data.load(source="dermamnist", cache_dir=cache, base_url=server.url)
        assert server.requests == 1
    assert (d.source, d.split, d.image_size) == ("dermamnist", "dermamnist", 28)
    assert [len(s) for s in d.splits()] == [14, 3, 5]
    assert d.train.images.dtype == np.uint8 and d.train.labels.dtype == np.int64
    assert list(d.train.meta.columns) == list(data.META_COLUMNS)
    assert d.train.meta["image_id"].isna().all()
    assert [data.CLASS_NAMES[k] for k in d.val.labels] == d.val.meta["dx"].tolist()
    assert d.cache_path == cache / "downloads" / "dermamnist.npz"
    # the server is gone: the checked file on disk is used offline
    again = data.load(source="dermamnist", cache_dir=cache, base_url="http://127.0.0.1:9/")
    np.testing.assert_array_equal(again.test.images, d.test.images)
    summary = data.summarize(source="dermamnist", cache_dir=cache)
    assert summary["lesion_overlap"] is None and summary["splits"]["train"]["lesions"] is None
    assert "no lesion ids" in data.format_summary(summary)
    with pytest.raises(ValueError, match="no lesion ids.*source='ham10000'"):
        data.leaked_test_mask(d)


def test_wrong_hash_is_refused_and_not_kept(npz, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setitem(medmnist.FILES, 28, ("dermamnist.npz", "0" * 32))
    with _Server(npz) as server, pytest.raises(data.DataError, match="MD5"):
        data.load(source="dermamnist", cache_dir=cache, base_url=server.url)
    assert _downloads(cache) == []


def test_truncated_transfer_is_refused_and_not_kept(npz, tmp_path):
    cache = tmp_path / "cache"
    with _Server(npz, extra=5000) as server, pytest.raises(data.DataError, match="failed"):
        data.load(source="dermamnist", cache_dir=cache, base_url=server.url)
    assert _downloads(cache) == []


def test_corrupted_local_file_is_named(npz, tmp_path):
    cache = tmp_path / "cache"
    (cache / "downloads").mkdir(parents=True)
    (cache / "downloads" / "dermamnist.npz").write_bytes(npz[:-10])
    with pytest.raises(data.DataError, match="dermamnist.npz has MD5 .* delete it"):
        data.load(source="dermamnist", cache_dir=cache, base_url="http://127.0.0.1:9/")


def test_unreachable_server(npz, tmp_path):
    with pytest.raises(data.DataError, match="place dermamnist.npz"):
        data.load(source="dermamnist", cache_dir=tmp_path, base_url="http://127.0.0.1:9/")


def test_unpublished_size(tmp_path):
    with pytest.raises(ValueError, match=r"published at sizes \[28, 64, 128, 224\]"):
        data.load(source="dermamnist", image_size=32, cache_dir=tmp_path)


def test_published_hashes_are_the_zenodo_ones():
    assert medmnist.FILES[28] == ("dermamnist.npz", "0744692d530f8e62ec473284d019b0c7")
    assert medmnist.FILES[64] == ("dermamnist_64.npz", "b70a2f5635c6199aeaa28c31d7202e1f")
    assert medmnist.BASE_URL == "https://zenodo.org/records/10519652/files/"
