"""`kavosh check` and `kavosh index --verify` on a real index: a flipped byte in any stored-text block, any
term-dictionary block, or the indexes and trailers that locate them, is found and named."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile

from indexer.build import index_folder
from indexer.cli import cli
from indexer.errors import IndexDamaged
from indexer.storage import blockstore, termdict
from indexer.storage import generations as store
from indexer.storage.blockstore import BLOCK_STORED_NAME, BlockStoredColumn, BlockStoreError
from indexer.storage.check import verify_generation
from indexer.storage.codec import KavoshCodec
from indexer.storage.schema import make_schema
from indexer.storage.termdict import TERMDICT_EXT, CorruptTermDict, TermDictReader
from indexer.storage.whoosh_private import index_segments

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
NOTES = 160
DOCUMENTS = 0  # the samples and the notes: set when the index is built (the samples grow)

# Original notes, long enough that the stored texts fill many blocks after the dictionary block, and
# numbered so that the term dictionary has many blocks too.
_NOTE = (
    "یادداشت شماره‌ی {i} از دفتر باغبان: امروز {i} نهال انار و {j} نهال زیتون در کنار جوی کاشتیم. "
    "هوای صبح خنک بود و آب چشمه‌ی بالادست، پس از بارش دیشب، گل‌آلود به باغ رسید. "
    "برای فصل {k} باید دیوار شمالی را بلندتر کنیم تا باد سرد به شکوفه‌ها نرسد؛ "
    "نشانی انبار ابزار: کوچه‌ی {j}، پلاک {k}. کد پیگیری سفارش کود: ک{i}ب{j}."
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of the samples plus 160 notes (one compound segment); never modified by the tests."""
    root = tmp_path_factory.mktemp("check")
    docs = root / "docs"
    shutil.copytree(SAMPLES, docs)
    for i in range(NOTES):
        (docs / f"note-{i:03d}.txt").write_text(
            _NOTE.format(i=i, j=i * 7 + 3, k=i * 13 + 5), encoding="utf-8"
        )
    summary = index_folder(docs, root / "index")
    global DOCUMENTS
    DOCUMENTS = summary.added
    assert DOCUMENTS > NOTES
    return root / "index"


def _segment(index_dir: Path) -> Path:
    (seg,) = (index_dir / store.current_name(index_dir)).glob("*.seg")
    return seg


def _part(seg: Path, suffix: str) -> tuple[int, int]:
    """(offset, length) inside the compound segment file of its part whose name ends with `suffix`."""
    compound = CompoundStorage(FileStorage(str(seg.parent)).open_file(seg.name), use_mmap=False)
    try:
        (name,) = [n for n in compound.list() if n.endswith(suffix)]
        where = compound._dir[name]  # Whoosh's compound directory: no public accessor for a part's place
        return where["offset"], where["length"]
    finally:
        compound.close()


def _spans(seg: Path, suffix: str, read_spans) -> tuple[int, int, list[tuple[int, int]]]:
    """(part offset, part length, block spans inside the part, from the real reader) for one part."""
    offset, length = _part(seg, suffix)
    with FileStorage(str(seg.parent)).open_file(seg.name) as whole:
        part = whole.get(offset, length)
    return offset, length, read_spans(BufferFile(memoryview(part)), len(part))


def _stored_spans(dbfile, length: int) -> list[tuple[int, int]]:
    return BlockStoredColumn().reader(dbfile, 0, length, DOCUMENTS).block_spans()


def _termdict_spans(dbfile, length: int) -> list[tuple[int, int]]:
    return TermDictReader(dbfile, length).block_spans()


def _flipped_copy(built: Path, dest: Path, position: int) -> Path:
    shutil.copytree(built, dest)
    seg = _segment(dest)
    data = bytearray(seg.read_bytes())
    data[position] ^= 0x5A
    seg.write_bytes(bytes(data))
    return dest


def _positions(offset: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(block number, absolute byte) to flip: the first, a middle and the last byte of every block."""
    out = []
    for b, (start, end) in enumerate(spans):
        for at in sorted({start, (start + end) // 2, end - 1}):
            out.append((b, offset + at))
    return out


def test_a_clean_index_is_clean_and_counts_what_it_read(built: Path) -> None:
    report = verify_generation(built)
    assert not report.damaged and len(report.segments) == 1
    seg = report.segments[0]
    assert seg.documents == DOCUMENTS and seg.blocks > 20 and seg.terms > 2000
    result = CliRunner().invoke(cli, ["check", "--index", str(built)])
    assert result.exit_code == 0, result.output
    assert f"{DOCUMENTS} documents" in result.output and "all verified" in result.output


def test_the_fixture_has_many_blocks_of_each_kind(built: Path) -> None:
    seg = _segment(built)
    _, _, stored = _spans(seg, f"{BLOCK_STORED_NAME}.col", _stored_spans)
    _, _, terms = _spans(seg, TERMDICT_EXT, _termdict_spans)
    assert len(stored) > 20 and len(terms) > 30  # so the tests below flip bytes in many real blocks


@pytest.mark.slow
@pytest.mark.parametrize(
    ("suffix", "read_spans", "expect"),
    [
        (f"{BLOCK_STORED_NAME}.col", _stored_spans, "block {b} "),
        (TERMDICT_EXT, _termdict_spans, "term dictionary block {b} "),
    ],
    ids=["stored-blocks", "term-dictionary-blocks"],
)
def test_a_flipped_byte_in_any_block_is_found_and_named(
    built: Path, tmp_path: Path, suffix: str, read_spans, expect: str
) -> None:
    seg = _segment(built)
    offset, _, spans = _spans(seg, suffix, read_spans)
    segment_id = seg.stem
    for n, (b, position) in enumerate(_positions(offset, spans)):
        index = _flipped_copy(built, tmp_path / f"i{n}", position)
        report = verify_generation(index)
        lines = report.problem_lines()
        assert len(lines) == 1, (b, position, lines)
        assert f"segment {segment_id}, file {segment_id}" in lines[0] and suffix in lines[0]
        assert expect.format(b=b) in lines[0], (b, position, lines[0])
        shutil.rmtree(index)


@pytest.mark.parametrize("suffix", [f"{BLOCK_STORED_NAME}.col", TERMDICT_EXT])
def test_a_flip_in_the_block_index_trailer_or_magic_is_found(
    built: Path, tmp_path: Path, suffix: str
) -> None:
    """Past the last block come the block index and the trailer (or footer): every one of the last 40 bytes
    (the whole trailer or footer) and a sample of the index are flipped in turn, then the leading magic."""
    seg = _segment(built)
    reader = _stored_spans if suffix.endswith(".col") else _termdict_spans
    offset, length, spans = _spans(seg, suffix, reader)
    tail = range(offset + spans[-1][1], offset + length)
    sample = sorted(
        set(range(tail.start, tail.start + 8)) | set(tail[-40:]) | set(tail[:: max(1, len(tail) // 16)])
    )
    for n, position in enumerate(sample):
        index = _flipped_copy(built, tmp_path / f"t{n}", position)
        lines = verify_generation(index).problem_lines()
        assert len(lines) == 1 and suffix in lines[0], (position, lines)
        shutil.rmtree(index)
    # and the magic at the start
    index = _flipped_copy(built, tmp_path / "magic", offset + 1)
    (line,) = verify_generation(index).problem_lines()
    assert suffix in line


def test_check_command_exit_status_and_message(built: Path, tmp_path: Path) -> None:
    seg = _segment(built)
    offset, _, spans = _spans(seg, f"{BLOCK_STORED_NAME}.col", _stored_spans)
    start, end = spans[len(spans) // 2]
    index = _flipped_copy(built, tmp_path / "index", offset + (start + end) // 2)
    result = CliRunner().invoke(cli, ["check", "--index", str(index)])
    assert result.exit_code == 2
    assert f"damaged: segment {seg.stem}, file {seg.stem}.{BLOCK_STORED_NAME}.col" in result.output
    assert f"block {len(spans) // 2} " in result.output and "--rebuild" in result.output
    missing = CliRunner().invoke(cli, ["check", "--index", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "no Kavosh index" in missing.output


def test_index_verify_refuses_to_carry_a_damaged_segment_over(built: Path, tmp_path: Path) -> None:
    seg = _segment(built)
    offset, _, spans = _spans(seg, TERMDICT_EXT, _termdict_spans)
    index = _flipped_copy(built, tmp_path / "index", offset + spans[3][0] + 5)
    docs = tmp_path / "docs"
    shutil.copytree(SAMPLES, docs)
    before = store.current_name(index)

    result = CliRunner().invoke(cli, ["index", str(docs), "--index", str(index), "--verify"])
    assert result.exit_code == 2
    assert "term dictionary block 3 " in result.output and "--rebuild" in result.output
    assert store.current_name(index) == before  # nothing written

    rebuilt = CliRunner().invoke(cli, ["index", str(docs), "--index", str(index), "--verify", "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert CliRunner().invoke(cli, ["check", "--index", str(index)]).exit_code == 0


def test_index_verify_passes_a_clean_index_through(built: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(built, index)
    docs = tmp_path / "docs"
    shutil.copytree(SAMPLES, docs)
    (docs / "new.txt").write_text("یادداشتی تازه درباره‌ی انار", encoding="utf-8")
    result = CliRunner().invoke(cli, ["index", str(docs), "--index", str(index), "--verify"])
    assert result.exit_code == 0, result.output
    assert verify_generation(index).segments and not verify_generation(index).damaged


def _part_bytes(seg: Path, suffix: str) -> bytes:
    offset, length = _part(seg, suffix)
    with FileStorage(str(seg.parent)).open_file(seg.name) as whole:
        return bytes(whole.get(offset, length))


def _as_ktd2(data: bytes) -> bytes:
    """The same term dictionary in the layout before the crcs: no block crcs in the index, the old trailer."""
    ixpos, _ixlen, block_size, _crc, _magic = termdict._TRAILER.unpack(data[-termdict._TRAILER.size :])
    index = zlib.decompress(data[ixpos : len(data) - termdict._TRAILER.size])
    nblocks = struct.unpack_from("<I", index)[0]
    packed = zlib.compress(index[: len(index) - 4 * nblocks])
    trailer = struct.pack("<QQI4s", ixpos, len(packed), block_size, b"KTD2")
    return b"KTD2" + data[4:ixpos] + packed + trailer


def _as_kbs1(data: bytes) -> bytes:
    """The same stored blocks in the layout before the block crcs."""
    index_pos, index_len, docs, nblocks, dict_block, _crc, _magic = blockstore._FOOTER.unpack(
        data[-blockstore._FOOTER.size :]
    )
    index = zlib.decompress(data[index_pos : index_pos + index_len])
    packed = zlib.compress(index[: len(index) - 4 * nblocks], 9)
    footer = blockstore._FOOTER.pack(
        index_pos, len(packed), docs, nblocks, dict_block, zlib.crc32(packed), b"KBS1"
    )
    return b"KBS1" + data[4:index_pos] + packed + footer


def test_files_in_the_layouts_before_the_checksums_are_refused_as_damage(built: Path) -> None:
    """KTD2 and KBS1 (before the block crcs) are no longer read: only an index of an older schema version,
    refused before it is opened, could hold them, so meeting one is damage, never a file read unchecked."""
    seg = _segment(built)
    tdx = _part_bytes(seg, TERMDICT_EXT)
    assert TermDictReader(BufferFile(memoryview(tdx)), len(tdx)).verify() > 0
    old = _as_ktd2(tdx)
    with pytest.raises(CorruptTermDict, match="not a Kavosh term dictionary"):
        TermDictReader(BufferFile(memoryview(old)), len(old))

    col = _part_bytes(seg, f"{BLOCK_STORED_NAME}.col")
    assert BlockStoredColumn().reader(BufferFile(memoryview(col)), 0, len(col), DOCUMENTS).verify()
    old = _as_kbs1(col)
    with pytest.raises(BlockStoreError, match="no block store signature"):
        BlockStoredColumn().reader(BufferFile(memoryview(old)), 0, len(old), DOCUMENTS)
    assert issubclass(CorruptTermDict, IndexDamaged) and issubclass(BlockStoreError, IndexDamaged)


def test_postings_cut_short_are_found(tmp_path: Path) -> None:
    """A term whose posting list lies past the end of `.pst` (a truncated file, which no crc covers)."""
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    writer = ix.writer(codec=KavoshCodec(), compound=False)
    for i in range(40):  # more than the inline limit: the common words get posting blocks in .pst
        writer.add_document(id=str(i), path="p", title=f"باغ {i}", body=f"باغ و کتاب و دریا شماره‌ی {i}")
    writer.commit()
    (posts,) = tmp_path.glob("*.pst")
    posts.write_bytes(posts.read_bytes()[: posts.stat().st_size // 2])
    (segment,) = index_segments(ix)
    check = segment.codec().verify(ix.storage, segment)
    assert [name for name, _ in check.problems] == [posts.name]
    assert "past the end of the file" in check.problems[0][1]
