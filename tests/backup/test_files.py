"""The files part: what is carried, the tar stream, and refusal of names that would escape the data dir."""

import io
import tarfile

import pytest

from portal.backup.container import BackupError
from portal.backup.files import data_files, excluded_paths, tar_extract, tar_names, tar_stream


def test_data_files_leave_out_transient_folders_and_the_database(data_dir):
    (data_dir / "portal.sqlite3").write_bytes(b"db")
    (data_dir / "portal.sqlite3-wal").write_bytes(b"wal")
    (data_dir / ".restore-old").mkdir()
    (data_dir / ".restore-old" / "x").write_bytes(b"x")
    (data_dir / "protected" / "link").symlink_to(data_dir / "protected" / "empty.bin")
    config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(data_dir / "portal.sqlite3")}

    names = data_files(data_dir, excluded=excluded_paths(config))

    assert names == [
        "protected/documents/提案書 1.pdf",
        "protected/empty.bin",
        "protected/sources/ab/source-1.enc",
    ]


def test_the_tar_stream_carries_names_and_bytes(data_dir):
    names = data_files(data_dir, excluded=set())

    stream = b"".join(tar_stream(data_dir, names))

    assert len(stream) % tarfile.RECORDSIZE == 0
    with tarfile.open(fileobj=io.BytesIO(stream)) as archive:
        contents = {member.name: archive.extractfile(member).read() for member in archive}
    assert contents == {name: (data_dir / name).read_bytes() for name in names}
    assert tar_names([stream[i : i + 7000] for i in range(0, len(stream), 7000)], data_dir) == names


def test_a_file_cut_while_it_is_read_stops_the_backup(data_dir):
    stream = tar_stream(data_dir, ["protected/sources/ab/source-1.enc"])
    next(stream)
    (data_dir / "protected" / "sources" / "ab" / "source-1.enc").write_bytes(b"short")

    with pytest.raises(BackupError, match="読み取り中に短くなりました"):
        list(stream)


def _tar(*members: tarfile.TarInfo) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for member in members:
            archive.addfile(member, io.BytesIO(b"x" * member.size) if member.isreg() else None)
    return buffer.getvalue()


def _file(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = 1
    return info


def _link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


@pytest.mark.parametrize(
    "member",
    [_file("../outside"), _file("/etc/passwd-portal"), _link("protected/link", "/etc/passwd")],
    ids=["parent", "absolute", "symlink"],
)
def test_members_outside_the_data_dir_or_not_files_are_refused(tmp_path, member):
    stream = _tar(_file("protected/fine"), member)

    with pytest.raises(BackupError):
        tar_names([stream], tmp_path)
    with pytest.raises(BackupError):
        tar_extract([stream], tmp_path / "staging")

    assert not (tmp_path / "outside").exists()


def test_a_broken_tar_is_a_message(tmp_path):
    with pytest.raises(BackupError, match="壊れています"):
        tar_names([b"\x01" * 1024], tmp_path)
