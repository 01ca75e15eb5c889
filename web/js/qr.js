// qr.js — draws a link as a QR code (ISO/IEC 18004: byte mode, error correction M, versions 1–10) on a canvas, locally.

// Per version: error-correction codewords per block, and each block's data codewords (level M).
const EC = [10, 16, 26, 18, 24, 16, 18, 22, 22, 26];
const BLOCKS = ['16', '28', '44', '32,32', '43,43', '27,27,27,27', '31,31,31,31', '38,38,39,39',
  '36,36,36,37,37', '43,43,43,43,44'].map((b) => b.split(',').map(Number));

// GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = [], LOG = [];
for (let i = 0, x = 1; i < 255; i++, x = (x << 1) ^ (x & 128 ? 0x11d : 0)) { EXP[i] = EXP[i + 255] = x; LOG[x] = i; }
const mul = (a, b) => (a && b ? EXP[LOG[a] + LOG[b]] : 0);

// Reed–Solomon remainder of `data` by the generator of degree n.
function ecc(data, n) {
  let g = [1];
  for (let i = 0; i < n; i++) g = [...g, 0].map((c, j) => c ^ (j ? mul(g[j - 1], EXP[i]) : 0));
  const r = Array(n).fill(0);
  for (const d of data) {
    const f = d ^ r.shift();
    r.push(0);
    for (let j = 0; j < n; j++) r[j] ^= mul(g[j + 1], f);
  }
  return r;
}

/** The modules (rows of booleans, true = dark) of `text`, or null when it is too long. */
export function qrMatrix(text) {
  const bytes = new TextEncoder().encode(text);
  const v = BLOCKS.findIndex((b, i) => 12 + (i > 8 ? 8 : 0) + 8 * bytes.length <= 8 * b.reduce((s, x) => s + x)) + 1;
  if (!v) return null;
  const blocks = BLOCKS[v - 1];
  const capacity = blocks.reduce((s, x) => s + x);
  // Bit stream: mode 0100, length, bytes, terminator, then pad bytes 0xEC 0x11.
  const bits = [];
  const put = (value, n) => { for (let i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1); };
  put(4, 4);
  put(bytes.length, v > 9 ? 16 : 8);
  bytes.forEach((b) => put(b, 8));
  put(0, Math.min(4, capacity * 8 - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  const data = [];
  for (let i = 0; i < bits.length; i += 8) data.push(parseInt(bits.slice(i, i + 8).join(''), 2));
  for (let p = 0xec; data.length < capacity; p ^= 0xec ^ 0x11) data.push(p);
  // Blocks with their error correction, interleaved.
  let at = 0;
  const split = blocks.map((n) => data.slice(at, (at += n)));
  const checks = split.map((b) => ecc(b, EC[v - 1]));
  const codewords = [];
  for (let i = 0; i < 44; i++) split.forEach((b) => i < b.length && codewords.push(b[i]));
  for (let i = 0; i < EC[v - 1]; i++) checks.forEach((c) => codewords.push(c[i]));

  const size = 17 + 4 * v;
  const m = [...Array(size)].map(() => Array(size).fill(false));
  const fixed = [...Array(size)].map(() => Array(size).fill(false));
  const set = (x, y, dark) => { m[y][x] = dark; fixed[y][x] = true; };
  for (let i = 0; i < size; i++) { set(6, i, i % 2 === 0); set(i, 6, i % 2 === 0); }
  for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]]) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const d = Math.max(Math.abs(dx), Math.abs(dy));
        if (m[cy + dy] && cx + dx >= 0 && cx + dx < size) set(cx + dx, cy + dy, d !== 2 && d !== 4);
      }
    }
  }
  // Alignment pattern centres: 6 and size - 7, with the midpoint between them from version 7.
  const align = v < 2 ? [] : v < 7 ? [6, size - 7] : [6, (size - 1) / 2, size - 7], last = align.length - 1;
  align.forEach((ay, i) => align.forEach((ax, j) => {
    if ((i === 0 && (j === 0 || j === last)) || (i === last && j === 0)) return;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) set(ax + dx, ay + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
  }));
  // Format information of level M (00) with mask 0: its BCH(15,5) code is 0, XOR 0x5412.
  const format = 0x5412;
  const f = (i) => ((format >>> i) & 1) === 1;
  for (let i = 0; i < 6; i++) set(8, i, f(i));
  set(8, 7, f(6)); set(8, 8, f(7)); set(7, 8, f(8));
  for (let i = 9; i < 15; i++) set(14 - i, 8, f(i));
  for (let i = 0; i < 8; i++) set(size - 1 - i, 8, f(i));
  for (let i = 8; i < 15; i++) set(8, size - 15 + i, f(i));
  set(8, size - 8, true);
  if (v >= 7) {
    // Version information: BCH(18,6) with the generator 0x1f25.
    let r = v;
    for (let i = 0; i < 12; i++) r = (r << 1) ^ ((r >>> 11) * 0x1f25);
    const version = (v << 12) | r;
    for (let i = 0; i < 18; i++) {
      const dark = ((version >>> i) & 1) === 1, a = size - 11 + (i % 3), b = Math.floor(i / 3);
      set(a, b, dark); set(b, a, dark);
    }
  }
  // Data in two-column zigzags from the bottom right, with mask 0 ((x + y) even: invert).
  let i = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let n = 0; n < size; n++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j, y = ((right + 1) & 2) === 0 ? size - 1 - n : n;
        if (fixed[y][x]) continue;
        const bit = ((codewords[i >> 3] >>> (7 - (i & 7))) & 1) === 1;
        i++;
        m[y][x] = bit !== ((x + y) % 2 === 0);
      }
    }
  }
  return m;
}

/** Draws `text` on `canvas` (dark on white with a four-module quiet zone). */
export function drawQr(canvas, text) {
  const m = qrMatrix(text);
  if (!m) { canvas.hidden = true; return; }
  const scale = 4, n = m.length + 8;
  canvas.width = canvas.height = n * scale;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, n * scale, n * scale);
  ctx.fillStyle = '#000';
  m.forEach((row, y) => row.forEach((dark, x) => dark && ctx.fillRect((x + 4) * scale, (y + 4) * scale, scale, scale)));
  canvas.hidden = false;
}
