"""A trained generator as one file that another machine can check and load.

:func:`export_run` packs a finished run's EMA generator with its model card,
its ``config.json`` and, when evaluated, its ``metrics.json`` into one
``.tar.gz``, with a ``MANIFEST.sha256`` of every file (in the format of
``sha256sum``, so ``sha256sum -c`` checks it too). :func:`load_exported`
unpacks it, refuses it when a file's digest differs from the manifest (naming
the file and both digests), and loads the generator;
:func:`gan_study.load_generator` accepts such an archive in place of a run
directory.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tempfile
from pathlib import Path

from gan_study import model_card, store

MANIFEST = "MANIFEST.sha256"
#: What an archive holds, besides the manifest (metrics.json only once evaluated).
MEMBERS = ("generator_ema.keras", model_card.CARD_FILE, "config.json", "metrics.json")


def export_run(run_dir, out=None) -> Path:
    """Pack a finished run into ``out`` (default ``<run_dir>.tar.gz`` beside it).

    Raises
    ------
    FileNotFoundError
        When the run is not finished.
    """
    from gan_study import training

    run_dir = Path(run_dir)
    if not training.is_finished(run_dir):
        raise FileNotFoundError(
            f"{run_dir} holds no finished run (no generator_ema.keras); train it first"
        )
    if not (run_dir / model_card.CARD_FILE).is_file():
        model_card.write_model_card(run_dir)
    out = Path(out) if out is not None else run_dir.with_name(run_dir.name + ".tar.gz")
    files = {name: (run_dir / name).read_bytes() for name in MEMBERS if (run_dir / name).is_file()}
    manifest = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items()
    )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in {**files, MANIFEST: manifest.encode()}.items():
            info = tarfile.TarInfo(f"{run_dir.name}/{name}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return store.atomic_write_bytes(out, buffer.getvalue())


def unpack(archive, dest) -> Path:
    """Unpack ``archive`` into ``dest`` and check every file against its manifest.

    Returns
    -------
    pathlib.Path
        The unpacked run folder.

    Raises
    ------
    ValueError
        A member outside one run folder, a missing manifest, or a file whose
        SHA-256 is not the manifest's (the message names the file and both
        digests); nothing is left in ``dest`` then.
    """
    archive, dest = Path(archive), Path(dest)
    if not archive.is_file():
        raise FileNotFoundError(
            f"{archive} not found: give the .tar.gz that gan-study export wrote"
        )
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        roots = {Path(m.name).parts[0] for m in members}
        unsafe = [m.name for m in members if not m.isfile() or ".." in Path(m.name).parts]
        if len(roots) != 1 or unsafe or any(len(Path(m.name).parts) != 2 for m in members):
            raise ValueError(f"{archive} is not an archive of gan-study export: {sorted(roots)}")
        files = {Path(m.name).name: tar.extractfile(m).read() for m in members}
    if MANIFEST not in files:
        raise ValueError(f"{archive} has no {MANIFEST}; it was not written by gan-study export")
    expected = {}
    for line in files[MANIFEST].decode().splitlines():
        digest, name = line.split("  ", 1)
        expected[name] = digest
    for name, digest in expected.items():
        actual = hashlib.sha256(files.get(name, b"")).hexdigest() if name in files else "missing"
        if actual != digest:
            raise ValueError(
                f"{archive}: {name} has SHA-256 {actual}, the manifest says {digest}; "
                "the archive is damaged or was changed: export it again"
            )
    root = roots.pop()
    with store.atomic_directory(dest / root) as folder:
        for name, data in files.items():
            (folder / name).write_bytes(data)
    return dest / root


def load_exported(archive, dest=None):
    """The EMA generator of an exported run (checked against its manifest).

    ``dest``: where to unpack (default: a temporary folder, removed afterwards).
    """
    import keras

    if dest is not None:
        return keras.models.load_model(unpack(archive, dest) / MEMBERS[0], compile=False)
    with tempfile.TemporaryDirectory(prefix="gan-study-export-") as tmp:
        return keras.models.load_model(unpack(archive, tmp) / MEMBERS[0], compile=False)
