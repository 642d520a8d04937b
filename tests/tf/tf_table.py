"""A small, independent leveldb-table (SSTable) codec for the tests: TF's
.index files and V1 checkpoints are such tables (tensorflow/core/lib/io/
format.h, table_builder.cc; leveldb doc/table_format.md).

Nothing here comes from surgeon or TensorFlow's runtime. It exists so the
differential tests can build *malformed* tables on purpose: any key order,
duplicate keys, any block size and restart interval, snappy blocks (valid
or broken), with block CRCs either correct or wrong.

    entries, info = read_table(data)        # [(key bytes, value bytes)], {...}
    data = write_table(entries, block_size=..., restart_interval=...,
                       compression="none" | "snappy", sort=False)
"""

import struct

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER = 5
_MASK_DELTA = 0xA282EAD8


def _crc_table():
    poly = 0x82F63B78
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC = _crc_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), as TF's crc32c::Value / Extend."""
    c = crc ^ 0xFFFFFFFF
    t = _CRC
    for b in bytes(data):
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def mask(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def get_varint(buf, pos):
    shift = result = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


# ---------------------------------------------------------------- snappy


def snappy_literal(data):
    """A valid snappy stream made only of literals (every decoder accepts it)."""
    out = bytearray(varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        else:
            out.append(61 << 2)
            out += struct.pack("<H", n)
        out += chunk
    return bytes(out)


def snappy_decompress(data):
    n, pos = get_varint(data, 0)
    out = bytearray()
    while pos < len(data):
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:
            ln = tag >> 2
            if ln >= 60:
                extra = ln - 59
                ln = int.from_bytes(data[pos:pos + extra], "little")
                pos += extra
            ln += 1
            out += data[pos:pos + ln]
            pos += ln
        else:
            if kind == 1:
                ln = ((tag >> 2) & 7) + 4
                off = ((tag >> 5) << 8) | data[pos]
                pos += 1
            elif kind == 2:
                ln = (tag >> 2) + 1
                off = int.from_bytes(data[pos:pos + 2], "little")
                pos += 2
            else:
                ln = (tag >> 2) + 1
                off = int.from_bytes(data[pos:pos + 4], "little")
                pos += 4
            if off == 0 or off > len(out):
                raise ValueError("bad snappy copy")
            for _ in range(ln):
                out.append(out[-off])
    if len(out) != n:
        raise ValueError("snappy length mismatch")
    return bytes(out)


# ---------------------------------------------------------------- reading


def _block_entries(block):
    if len(block) < 4:
        raise ValueError("block too small")
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    limit = len(block) - 4 - 4 * num_restarts
    if limit < 0:
        raise ValueError("bad restart count")
    out, pos, key = [], 0, b""
    while pos < limit:
        shared, pos = get_varint(block, pos)
        unshared, pos = get_varint(block, pos)
        vlen, pos = get_varint(block, pos)
        if shared > len(key) or pos + unshared + vlen > limit:
            raise ValueError("bad block entry")
        key = key[:shared] + bytes(block[pos:pos + unshared])
        pos += unshared
        out.append((key, bytes(block[pos:pos + vlen])))
        pos += vlen
    return out


def _read_block(data, offset, size, info):
    if offset + size + BLOCK_TRAILER > len(data):
        raise ValueError("block beyond end of file")
    raw = data[offset:offset + size]
    kind = data[offset + size]
    stored = struct.unpack_from("<I", data, offset + size + 1)[0]
    if mask(crc32c(data[offset:offset + size + 1])) != stored:
        raise ValueError(f"block crc mismatch at {offset}")
    info["blocks"].append({"offset": offset, "size": size, "type": kind})
    if kind == 1:
        return snappy_decompress(raw)
    if kind != 0:
        raise ValueError("bad block type")
    return raw


def read_table(data):
    """Returns ([(key, value)], info); info["blocks"] lists each block's
    offset/size/type in file order of reading (data blocks first)."""
    data = bytes(data)
    if len(data) < FOOTER_SIZE or struct.unpack_from("<Q", data, len(data) - 8)[0] != TABLE_MAGIC:
        raise ValueError("not an sstable")
    pos = len(data) - FOOTER_SIZE
    _, pos = get_varint(data, pos)
    _, pos = get_varint(data, pos)
    idx_off, pos = get_varint(data, pos)
    idx_size, pos = get_varint(data, pos)
    info = {"blocks": []}
    index = _block_entries(_read_block(data, idx_off, idx_size, info))
    entries = []
    for _, handle in index:
        off, p = get_varint(handle, 0)
        size, _ = get_varint(handle, p)
        entries.extend(_block_entries(_read_block(data, off, size, info)))
    return entries, info


# ---------------------------------------------------------------- writing


def _build_block(entries, restart_interval):
    out, restarts, last = bytearray(), [], b""
    for i, (k, v) in enumerate(entries):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(out))
        else:
            n = min(len(k), len(last))
            while shared < n and k[shared] == last[shared]:
                shared += 1
        out += varint(shared) + varint(len(k) - shared) + varint(len(v)) + k[shared:] + v
        last = k
    if not restarts:
        restarts = [0]
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def _emit_block(out, contents, compression, bad_crc=False):
    kind = 0
    if compression == "snappy":
        contents, kind = snappy_literal(contents), 1
    elif compression == "bad_snappy":
        contents, kind = snappy_literal(contents)[:-1] + b"\xff\xff", 1
    offset = len(out)
    crc = mask(crc32c(contents + bytes([kind])))
    if bad_crc:
        crc ^= 1
    out += contents + bytes([kind]) + struct.pack("<I", crc)
    return offset, len(contents)


def write_table(entries, block_size=262144, restart_interval=16, compression="none", bad_crc_block=None,
                bad_snappy_block=None):
    """Writes entries as given (no sorting, no checks). Index keys are each
    block's last key. bad_crc_block / bad_snappy_block: the number of a data
    block to write with a wrong CRC / a truncated snappy stream."""
    blocks, cur, cur_size = [], [], 0
    for k, v in entries:
        cur.append((k, v))
        cur_size += len(k) + len(v) + 8
        if cur_size >= block_size:
            blocks.append(cur)
            cur, cur_size = [], 0
    if cur or not blocks:
        blocks.append(cur)
    out = bytearray()
    index = []
    for i, blk in enumerate(blocks):
        comp = "bad_snappy" if i == bad_snappy_block else compression
        off, size = _emit_block(out, _build_block(blk, restart_interval), comp, bad_crc=(i == bad_crc_block))
        if blk:
            index.append((blk[-1][0], varint(off) + varint(size)))
    meta_off, meta_size = _emit_block(out, _build_block([], restart_interval), compression)
    idx_off, idx_size = _emit_block(out, _build_block(index, 1), compression)
    footer = varint(meta_off) + varint(meta_size) + varint(idx_off) + varint(idx_size)
    footer += b"\0" * (40 - len(footer)) + struct.pack("<Q", TABLE_MAGIC)
    return bytes(out + footer)
