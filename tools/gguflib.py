"""gguflib.py: a small GGUF v3 reader and writer with numpy, written for
conch's tests from the published format (magic, version, counts, typed
metadata, tensor infos, aligned data) and ggml's block layouts.

Reader: GGUFReader(path).meta (dict key -> python value),
        .tensors (dict name -> (type, shape ne[0..], raw bytes)),
        .tensor_f32(name) -> numpy array shaped like numpy ([ne1, ne0]).
Writer: GGUFWriter(); .add(key, value, vtype=None); .add_tensor(name,
        np.ndarray float32 (numpy shape), qtype); .write(path).
Quantisers are the straightforward reference ones (round to nearest); they
only need to produce valid blocks, since the tests compare dequantised
weights in C and numpy.
"""
import struct
import numpy as np

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_SCALAR = {U8: '<B', I8: '<b', U16: '<H', I16: '<h', U32: '<I', I32: '<i',
           F32: '<f', BOOL: '<?', U64: '<Q', I64: '<q', F64: '<d'}

T_F32, T_F16, T_Q4_0, T_Q4_1 = 0, 1, 2, 3
T_Q5_0, T_Q5_1, T_Q8_0 = 6, 7, 8
T_Q4_K, T_Q5_K, T_Q6_K = 12, 13, 14
T_BF16 = 30
TYPES = {'F32': T_F32, 'F16': T_F16, 'BF16': T_BF16, 'Q4_0': T_Q4_0,
         'Q4_1': T_Q4_1, 'Q5_0': T_Q5_0, 'Q5_1': T_Q5_1, 'Q8_0': T_Q8_0,
         'Q4_K': T_Q4_K, 'Q5_K': T_Q5_K, 'Q6_K': T_Q6_K}
# type -> (block elements, block bytes)
BLOCK = {T_F32: (1, 4), T_F16: (1, 2), T_BF16: (1, 2), T_Q4_0: (32, 18),
         T_Q4_1: (32, 20), T_Q5_0: (32, 22), T_Q5_1: (32, 24),
         T_Q8_0: (32, 34), T_Q4_K: (256, 144), T_Q5_K: (256, 176),
         T_Q6_K: (256, 210)}


# ---------------------------------------------------------------- reading

class GGUFReader:
    def __init__(self, path):
        with open(path, 'rb') as f:
            self.data = f.read()
        self.pos = 0
        magic = self._take(4)
        assert magic == b'GGUF', 'bad magic'
        self.version = self._u(U32)
        assert self.version in (2, 3)
        nt, nkv = self._u(U64), self._u(U64)
        self.meta = {}
        for _ in range(nkv):
            k = self._str()
            t = self._u(U32)
            self.meta[k] = self._val(t)
        align = self.meta.get('general.alignment', 32)
        infos = []
        for _ in range(nt):
            name = self._str()
            nd = self._u(U32)
            ne = [self._u(U64) for _ in range(nd)]
            t = self._u(U32)
            off = self._u(U64)
            infos.append((name, ne, t, off))
        base = (self.pos + align - 1) // align * align
        self.tensors = {}
        for name, ne, t, off in infos:
            be, bb = BLOCK[t]
            n = int(np.prod(ne))
            nbytes = n // be * bb
            self.tensors[name] = (t, ne, self.data[base + off:base + off + nbytes])

    def _take(self, n):
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def _u(self, t):
        fmt = _SCALAR[t]
        v, = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v

    def _str(self):
        n = self._u(U64)
        return self._take(n).decode('utf-8', errors='surrogateescape')

    def _val(self, t):
        if t == STRING:
            return self._str()
        if t == ARRAY:
            at = self._u(U32)
            n = self._u(U64)
            return [self._val(at) for _ in range(n)]
        return self._u(t)

    def tensor_f32(self, name):
        t, ne, raw = self.tensors[name]
        flat = dequant(t, raw, int(np.prod(ne)))
        return flat.reshape(list(reversed(ne)))


# ---------------------------------------------------------- dequantising

def _f16(b):
    return np.frombuffer(b, dtype='<f2').astype(np.float32)


def _blocks(raw, bb):
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, bb)


def _k_scales(sc):
    """12 bytes of 6-bit scales/mins (Q4_K, Q5_K) -> (8 scales, 8 mins)."""
    sc = sc.astype(np.int32)
    s = np.zeros(sc.shape[:-1] + (8,), np.int32)
    m = np.zeros_like(s)
    for j in range(8):
        if j < 4:
            s[..., j] = sc[..., j] & 63
            m[..., j] = sc[..., j + 4] & 63
        else:
            s[..., j] = (sc[..., j + 4] & 0xF) | ((sc[..., j - 4] >> 6) << 4)
            m[..., j] = (sc[..., j + 4] >> 4) | ((sc[..., j] >> 6) << 4)
    return s, m


def dequant(t, raw, n):
    if t == T_F32:
        return np.frombuffer(raw, dtype='<f4').astype(np.float32)
    if t == T_F16:
        return _f16(raw)
    if t == T_BF16:
        u = np.frombuffer(raw, dtype='<u2').astype(np.uint32) << 16
        return u.view(np.float32)
    be, bb = BLOCK[t]
    b = _blocks(raw, bb)
    nb = b.shape[0]
    if t in (T_Q4_0, T_Q4_1, T_Q5_0, T_Q5_1):
        d = _f16(b[:, 0:2].tobytes())[:, None]
        off = 2
        m = None
        if t in (T_Q4_1, T_Q5_1):
            m = _f16(b[:, 2:4].tobytes())[:, None]
            off = 4
        qh = None
        if t in (T_Q5_0, T_Q5_1):
            qh = np.frombuffer(b[:, off:off + 4].tobytes(), '<u4')[:, None]
            off += 4
        qs = b[:, off:off + 16].astype(np.int32)
        q = np.concatenate([qs & 0xF, qs >> 4], axis=1)
        if qh is not None:
            bits = ((qh >> np.arange(32, dtype=np.uint32)[None, :]) & 1).astype(np.int32)
            q = q | (bits << 4)
        if t == T_Q4_0:
            return ((q - 8) * d).reshape(-1)
        if t == T_Q5_0:
            return ((q - 16) * d).reshape(-1)
        return (q * d + m).reshape(-1)
    if t == T_Q8_0:
        d = _f16(b[:, 0:2].tobytes())[:, None]
        q = b[:, 2:34].view(np.int8).astype(np.float32)
        return (q * d).reshape(-1)
    if t in (T_Q4_K, T_Q5_K):
        d = _f16(b[:, 0:2].tobytes())[:, None]
        dmin = _f16(b[:, 2:4].tobytes())[:, None]
        s, m = _k_scales(b[:, 4:16])
        if t == T_Q4_K:
            qs = b[:, 16:144].astype(np.int32)
            qh = None
        else:
            qh = b[:, 16:48].astype(np.int32)
            qs = b[:, 48:176].astype(np.int32)
        out = np.zeros((nb, 256), np.float32)
        for j in range(4):  # 64 values per chunk: low nibbles then high
            chunk = qs[:, 32 * j:32 * j + 32]
            lo, hi = chunk & 0xF, chunk >> 4
            if qh is not None:
                lo = lo | (((qh >> (2 * j)) & 1) << 4)
                hi = hi | (((qh >> (2 * j + 1)) & 1) << 4)
            out[:, 64 * j:64 * j + 32] = d * s[:, 2 * j:2 * j + 1] * lo - dmin * m[:, 2 * j:2 * j + 1]
            out[:, 64 * j + 32:64 * j + 64] = d * s[:, 2 * j + 1:2 * j + 2] * hi - dmin * m[:, 2 * j + 1:2 * j + 2]
        return out.reshape(-1)
    if t == T_Q6_K:
        ql = b[:, 0:128].astype(np.int32)
        qh = b[:, 128:192].astype(np.int32)
        sc = b[:, 192:208].view(np.int8).astype(np.float32)
        d = _f16(b[:, 208:210].tobytes())[:, None]
        out = np.zeros((nb, 256), np.float32)
        for half in range(2):
            L = ql[:, 64 * half:64 * half + 64]
            H = qh[:, 32 * half:32 * half + 32]
            for l in range(32):
                is_ = l // 16
                q1 = ((L[:, l] & 0xF) | (((H[:, l] >> 0) & 3) << 4)) - 32
                q2 = ((L[:, l + 32] & 0xF) | (((H[:, l] >> 2) & 3) << 4)) - 32
                q3 = ((L[:, l] >> 4) | (((H[:, l] >> 4) & 3) << 4)) - 32
                q4 = ((L[:, l + 32] >> 4) | (((H[:, l] >> 6) & 3) << 4)) - 32
                base = 128 * half
                s0 = 8 * half
                out[:, base + l] = d[:, 0] * sc[:, s0 + is_ + 0] * q1
                out[:, base + l + 32] = d[:, 0] * sc[:, s0 + is_ + 2] * q2
                out[:, base + l + 64] = d[:, 0] * sc[:, s0 + is_ + 4] * q3
                out[:, base + l + 96] = d[:, 0] * sc[:, s0 + is_ + 6] * q4
        return out.reshape(-1)
    raise ValueError('type %d' % t)


# ------------------------------------------------------------ quantising

def _h(x):
    return np.asarray(x, np.float32).astype('<f2')


def quant(t, x):
    """x: 1-D float32 (length a multiple of the block) -> bytes.  Vectorised
    over blocks; round-to-nearest, no search for the best scales."""
    x = np.asarray(x, np.float32).reshape(-1)
    if t == T_F32:
        return x.astype('<f4').tobytes()
    if t == T_F16:
        return x.astype('<f2').tobytes()
    if t == T_BF16:
        u = x.view(np.uint32).astype(np.uint64)
        return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype('<u2').tobytes()
    be, bb = BLOCK[t]
    v = x.reshape(-1, be)
    if t in (T_Q4_0, T_Q5_0, T_Q4_1, T_Q5_1):
        out = _quant_small(t, v)
    elif t == T_Q8_0:
        d = np.abs(v).max(axis=1) / 127
        dh = _h(d).astype(np.float32)
        inv = np.divide(1.0, dh, out=np.zeros_like(dh), where=dh != 0)
        q = np.clip(np.round(v * inv[:, None]), -128, 127).astype(np.int8)
        out = np.concatenate([_h(dh).view(np.uint8).reshape(-1, 2),
                              q.view(np.uint8)], axis=1)
    elif t in (T_Q4_K, T_Q5_K):
        out = _quant_k45(t, v)
    elif t == T_Q6_K:
        out = _quant_q6k(v)
    else:
        raise ValueError(t)
    assert out.shape == (v.shape[0], bb), (out.shape, bb)
    return out.astype(np.uint8).tobytes()


def _pack_nibbles(q):
    """q [nb, 32] ints -> [nb, 16] bytes: element j low, j+16 high."""
    return ((q[:, :16] & 0xF) | ((q[:, 16:] & 0xF) << 4)).astype(np.uint8)


def _pack_qh(q):
    bits = ((q >> 4) & 1).astype(np.uint64) << np.arange(32, dtype=np.uint64)[None, :]
    qh = bits.sum(axis=1).astype('<u4')
    return qh.view(np.uint8).reshape(-1, 4)


def _quant_small(t, v):
    five = t in (T_Q5_0, T_Q5_1)
    bits = 5 if five else 4
    if t in (T_Q4_0, T_Q5_0):
        half = 1 << (bits - 1)
        mx = v[np.arange(v.shape[0]), np.argmax(np.abs(v), axis=1)]
        dh = _h(mx / -half).astype(np.float32)
        inv = np.divide(1.0, dh, out=np.zeros_like(dh), where=dh != 0)
        q = np.clip(np.floor(v * inv[:, None] + half + 0.5), 0, 2 * half - 1).astype(np.int64)
        parts = [_h(dh).view(np.uint8).reshape(-1, 2)]
    else:
        lo, hi = v.min(axis=1), v.max(axis=1)
        dh = _h((hi - lo) / ((1 << bits) - 1)).astype(np.float32)
        mh = _h(lo).astype(np.float32)
        inv = np.divide(1.0, dh, out=np.zeros_like(dh), where=dh != 0)
        q = np.clip(np.floor((v - mh[:, None]) * inv[:, None] + 0.5), 0,
                    (1 << bits) - 1).astype(np.int64)
        parts = [_h(dh).view(np.uint8).reshape(-1, 2), _h(mh).view(np.uint8).reshape(-1, 2)]
    if five:
        parts.append(_pack_qh(q))
    parts.append(_pack_nibbles(q))
    return np.concatenate(parts, axis=1)


def _pack_k_scales(s, m):
    """s, m [nb, 8] 6-bit ints -> [nb, 12] bytes."""
    b = np.zeros((s.shape[0], 12), np.int64)
    for j in range(4):
        b[:, j] = (s[:, j] & 63) | ((s[:, j + 4] >> 4) << 6)
        b[:, j + 4] = (m[:, j] & 63) | ((m[:, j + 4] >> 4) << 6)
        b[:, j + 8] = (s[:, j + 4] & 0xF) | ((m[:, j + 4] & 0xF) << 4)
    return b.astype(np.uint8)


def _quant_k45(t, v):
    nb = v.shape[0]
    qmax = 15 if t == T_Q4_K else 31
    sub = v.reshape(nb, 8, 32)
    mins = np.maximum(-sub.min(axis=2), 0.0)
    scl = (sub.max(axis=2) + mins) / qmax
    dh = _h(scl.max(axis=1) / 63).astype(np.float32)
    dmh = _h(mins.max(axis=1) / 63).astype(np.float32)
    si = np.clip(np.round(np.divide(scl, dh[:, None], out=np.zeros_like(scl),
                                    where=dh[:, None] != 0)), 0, 63).astype(np.int64)
    mi = np.clip(np.round(np.divide(mins, dmh[:, None], out=np.zeros_like(mins),
                                    where=dmh[:, None] != 0)), 0, 63).astype(np.int64)
    sc = dh[:, None] * si
    mn = dmh[:, None] * mi
    q = np.divide(sub + mn[:, :, None], sc[:, :, None], out=np.zeros_like(sub),
                  where=sc[:, :, None] > 0)
    q = np.clip(np.round(q), 0, qmax).astype(np.int64).reshape(nb, 256)
    parts = [_h(dh).view(np.uint8).reshape(-1, 2), _h(dmh).view(np.uint8).reshape(-1, 2),
             _pack_k_scales(si, mi)]
    if t == T_Q5_K:
        qh = np.zeros((nb, 32), np.int64)
        for j in range(8):
            qh |= ((q[:, 32 * j:32 * j + 32] >> 4) & 1) << j
        parts.append(qh.astype(np.uint8))
    qs = np.zeros((nb, 128), np.int64)
    for c in range(4):
        qs[:, 32 * c:32 * c + 32] = (q[:, 64 * c:64 * c + 32] & 0xF) | \
            ((q[:, 64 * c + 32:64 * c + 64] & 0xF) << 4)
    parts.append(qs.astype(np.uint8))
    return np.concatenate(parts, axis=1)


def _quant_q6k(v):
    nb = v.shape[0]
    sub = v.reshape(nb, 16, 16)
    scl = np.abs(sub).max(axis=2) / 31
    dh = _h(scl.max(axis=1) / 127).astype(np.float32)
    si = np.clip(np.round(np.divide(scl, dh[:, None], out=np.zeros_like(scl),
                                    where=dh[:, None] != 0)), -128, 127).astype(np.int64)
    s = dh[:, None] * si
    q = np.divide(sub, s[:, :, None], out=np.zeros_like(sub), where=s[:, :, None] != 0)
    q = (np.clip(np.round(q), -32, 31).astype(np.int64) + 32).reshape(nb, 256)
    ql = np.zeros((nb, 128), np.int64)
    qh = np.zeros((nb, 64), np.int64)
    for half in range(2):
        b = 128 * half
        q1, q2 = q[:, b:b + 32], q[:, b + 32:b + 64]
        q3, q4 = q[:, b + 64:b + 96], q[:, b + 96:b + 128]
        ql[:, 64 * half:64 * half + 32] = (q1 & 0xF) | ((q3 & 0xF) << 4)
        ql[:, 64 * half + 32:64 * half + 64] = (q2 & 0xF) | ((q4 & 0xF) << 4)
        qh[:, 32 * half:32 * half + 32] = (q1 >> 4) | ((q2 >> 4) << 2) | \
            ((q3 >> 4) << 4) | ((q4 >> 4) << 6)
    return np.concatenate([ql.astype(np.uint8), qh.astype(np.uint8),
                           si.astype(np.int8).view(np.uint8),
                           _h(dh).view(np.uint8).reshape(-1, 2)], axis=1)


# ---------------------------------------------------------------- writing

class GGUFWriter:
    def __init__(self, alignment=32):
        self.kv = []
        self.tensors = []
        self.alignment = alignment

    def add(self, key, value, vtype=None):
        self.kv.append((key, value, vtype))

    def add_tensor(self, name, arr, qtype=T_F32):
        arr = np.asarray(arr, np.float32)
        ne = list(reversed(arr.shape))
        self.tensors.append((name, ne, qtype, quant(qtype, arr.reshape(-1))))

    @staticmethod
    def _guess(v):
        if isinstance(v, bool):
            return BOOL
        if isinstance(v, int):
            return U32 if 0 <= v < 2 ** 32 else I64
        if isinstance(v, float):
            return F32
        if isinstance(v, (str, bytes)):
            return STRING
        if isinstance(v, list):
            return ARRAY
        raise TypeError(type(v))

    def _enc_val(self, t, v, et=None):
        if t == STRING:
            b = v if isinstance(v, bytes) else v.encode('utf-8')
            return struct.pack('<Q', len(b)) + b
        if t == ARRAY:
            if et is None:
                et = self._guess(v[0]) if v else U32
                if et == U32 and any(isinstance(x, int) and x < 0 for x in v):
                    et = I32
            out = struct.pack('<IQ', et, len(v))
            return out + b''.join(self._enc_val(et, x) for x in v)
        return struct.pack(_SCALAR[t], v)

    def write(self, path):
        out = bytearray(b'GGUF')
        out += struct.pack('<IQQ', 3, len(self.tensors), len(self.kv))
        for k, v, vt in self.kv:
            et = None
            if isinstance(vt, tuple):
                vt, et = vt
            t = vt if vt is not None else self._guess(v)
            out += self._enc_val(STRING, k) + struct.pack('<I', t)
            out += self._enc_val(t, v, et)
        off = 0
        offs = []
        for name, ne, qt, raw in self.tensors:
            offs.append(off)
            off += len(raw)
            off = (off + self.alignment - 1) // self.alignment * self.alignment
        for (name, ne, qt, raw), o in zip(self.tensors, offs):
            out += self._enc_val(STRING, name) + struct.pack('<I', len(ne))
            out += b''.join(struct.pack('<Q', n) for n in ne)
            out += struct.pack('<IQ', qt, o)
        pad = (-len(out)) % self.alignment
        out += b'\0' * pad
        data = bytearray()
        for (name, ne, qt, raw), o in zip(self.tensors, offs):
            data += b'\0' * (o - len(data))
            data += raw
        out += data
        with open(path, 'wb') as f:
            f.write(out)
