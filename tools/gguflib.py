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
    """x: 1-D float32 (length a multiple of the block) -> bytes."""
    x = np.asarray(x, np.float32).reshape(-1)
    if t == T_F32:
        return x.astype('<f4').tobytes()
    if t == T_F16:
        return x.astype('<f2').tobytes()
    if t == T_BF16:
        u = x.view(np.uint32)
        return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype('<u2').tobytes()
    be, bb = BLOCK[t]
    xb = x.reshape(-1, be)
    out = bytearray()
    for blk in xb:
        out += _quant_block(t, blk)
    assert len(out) == len(xb) * bb
    return bytes(out)


def _quant_block(t, v):
    if t in (T_Q4_0, T_Q5_0):
        bits = 4 if t == T_Q4_0 else 5
        half = 1 << (bits - 1)
        amax_i = int(np.argmax(np.abs(v)))
        mx = v[amax_i]
        d = mx / -half if mx != 0 else 0.0
        dh = float(_h(d))
        inv = 1.0 / dh if dh else 0.0
        q = np.clip(np.floor(v * inv + half + 0.5), 0, 2 * half - 1).astype(np.int32)
        return _pack_small(t, dh, None, q)
    if t in (T_Q4_1, T_Q5_1):
        bits = 4 if t == T_Q4_1 else 5
        lo, hi = float(v.min()), float(v.max())
        d = (hi - lo) / ((1 << bits) - 1)
        dh = float(_h(d))
        mh = float(_h(lo))
        inv = 1.0 / dh if dh else 0.0
        q = np.clip(np.floor((v - mh) * inv + 0.5), 0, (1 << bits) - 1).astype(np.int32)
        return _pack_small(t, dh, mh, q)
    if t == T_Q8_0:
        amax = float(np.abs(v).max())
        d = amax / 127
        dh = float(_h(d))
        inv = 1.0 / dh if dh else 0.0
        q = np.clip(np.round(v * inv), -128, 127).astype(np.int8)
        return _h(dh).tobytes() + q.tobytes()
    if t in (T_Q4_K, T_Q5_K):
        return _quant_k45(t, v)
    if t == T_Q6_K:
        return _quant_q6k(v)
    raise ValueError(t)


def _pack_small(t, d, m, q):
    out = _h(d).tobytes()
    if m is not None:
        out += _h(m).tobytes()
    if t in (T_Q5_0, T_Q5_1):
        qh = 0
        for i in range(32):
            qh |= ((int(q[i]) >> 4) & 1) << i
        out += struct.pack('<I', qh)
    qs = bytes(((int(q[i]) & 0xF) | ((int(q[i + 16]) & 0xF) << 4)) for i in range(16))
    return out + qs


def _pack_k_scales(s, m):
    b = [0] * 12
    for j in range(8):
        if j < 4:
            b[j] = (s[j] & 63) | ((s[j + 4] >> 4) << 6)
            b[j + 4] = (m[j] & 63) | ((m[j + 4] >> 4) << 6)
        else:
            b[j + 4] = (s[j] & 0xF) | ((m[j] & 0xF) << 4)
    return bytes(b)


def _quant_k45(t, v):
    bits = 4 if t == T_Q4_K else 5
    qmax = (1 << bits) - 1
    sub = v.reshape(8, 32)
    mins = np.maximum(-sub.min(axis=1), 0.0)
    scl = (sub.max(axis=1) + mins) / qmax
    d = float(scl.max()) / 63 if scl.max() > 0 else 0.0
    dmin = float(mins.max()) / 63 if mins.max() > 0 else 0.0
    dh, dmh = float(_h(d)), float(_h(dmin))
    si = np.clip(np.round(scl / dh), 0, 63).astype(int) if dh else np.zeros(8, int)
    mi = np.clip(np.round(mins / dmh), 0, 63).astype(int) if dmh else np.zeros(8, int)
    q = np.zeros(256, np.int32)
    for j in range(8):
        sc = dh * si[j]
        mn = dmh * mi[j]
        if sc > 0:
            q[32 * j:32 * j + 32] = np.clip(np.round((sub[j] + mn) / sc), 0, qmax)
    out = _h(dh).tobytes() + _h(dmh).tobytes() + _pack_k_scales(list(si), list(mi))
    if t == T_Q5_K:
        qh = np.zeros(32, np.int32)
        for j in range(8):
            qh |= ((q[32 * j:32 * j + 32] >> 4) & 1) << j
        out += bytes(int(x) for x in qh)
    qs = bytearray(128)
    for c in range(4):
        lo = q[64 * c:64 * c + 32] & 0xF
        hi = q[64 * c + 32:64 * c + 64] & 0xF
        for l in range(32):
            qs[32 * c + l] = int(lo[l]) | (int(hi[l]) << 4)
    return out + bytes(qs)


def _quant_q6k(v):
    sub = v.reshape(16, 16)
    amax = np.abs(sub).max(axis=1)
    scl = amax / 31
    d = float(np.abs(scl).max()) / 127 if scl.max() > 0 else 0.0
    dh = float(_h(d))
    si = np.clip(np.round(scl / dh), -128, 127).astype(int) if dh else np.zeros(16, int)
    q = np.zeros(256, np.int32)
    for j in range(16):
        s = dh * si[j]
        if s != 0:
            q[16 * j:16 * j + 16] = np.clip(np.round(sub[j] / s), -32, 31)
    q += 32
    ql = bytearray(128)
    qh = bytearray(64)
    for half in range(2):
        base = 128 * half
        for l in range(32):
            q1, q2 = q[base + l], q[base + l + 32]
            q3, q4 = q[base + l + 64], q[base + l + 96]
            ql[64 * half + l] = (q1 & 0xF) | ((q3 & 0xF) << 4)
            ql[64 * half + l + 32] = (q2 & 0xF) | ((q4 & 0xF) << 4)
            qh[32 * half + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)
    sc = np.array(si, np.int8).tobytes()
    return bytes(ql) + bytes(qh) + sc + _h(dh).tobytes()


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
