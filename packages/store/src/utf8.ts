/**
 * UTF-8 helpers for ids and error messages stored as bytes in shared memory.
 * Ids must be well-formed (no lone surrogates): two different JS strings must
 * never encode to the same bytes. Error messages are encoded as TextEncoder
 * does (a lone surrogate becomes U+FFFD), so what is stored is always valid.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** What the last successful scanId found: out-parameters, so the hot path allocates nothing. */
export const scanned = { hash: 0, bytes: 0 };

/**
 * Whether `s` is a valid id: well-formed (no lone surrogate) and 1 to
 * `maxBytes` UTF-8 bytes. If so, `scanned` holds its UTF-8 length and its
 * hash: FNV-1a over the UTF-16 code units, which for well-formed strings is a
 * function of the UTF-8 bytes too, so every thread computes the same hash for
 * an id. One pass over the string for the check, the length and the hash.
 */
export function scanId(s: string, maxBytes: number): boolean {
  const len = s.length;
  if (len === 0 || len > maxBytes * 2) return false;
  let h = 0x811c9dc5;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ c, 0x01000193);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c < 0xd800 || c > 0xdfff) n += 3;
    else {
      // A surrogate: only a high one followed by a low one is well-formed.
      const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return false;
      h = Math.imul(h ^ d, 0x01000193);
      n += 4;
      i++;
    }
  }
  if (n > maxBytes) return false;
  scanned.hash = h;
  scanned.bytes = n;
  return true;
}

/** Write `s` at `u8[off..off+max)`; stops at a character boundary. */
export function encodeAt(u8: Uint8Array, off: number, max: number, s: string): { written: number; truncated: boolean } {
  if (s.length === 0) return { written: 0, truncated: false };
  const r = encoder.encodeInto(s, u8.subarray(off, off + max));
  return { written: r.written, truncated: r.read < s.length };
}

/** Whether the UTF-8 bytes `u8[off..off+len)` are the encoding of the well-formed string `s`. */
export function equalsUtf8(u8: Uint8Array, off: number, len: number, s: string): boolean {
  let j = off;
  const end = off + len;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (j >= end || u8[j++] !== c) return false;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
    if (c < 0x800) {
      if (j + 2 > end || u8[j++] !== (0xc0 | (c >> 6)) || u8[j++] !== (0x80 | (c & 63))) return false;
    } else if (c < 0x10000) {
      if (j + 3 > end || u8[j++] !== (0xe0 | (c >> 12)) || u8[j++] !== (0x80 | ((c >> 6) & 63))) return false;
      if (u8[j++] !== (0x80 | (c & 63))) return false;
    } else {
      if (j + 4 > end || u8[j++] !== (0xf0 | (c >> 18)) || u8[j++] !== (0x80 | ((c >> 12) & 63))) return false;
      if (u8[j++] !== (0x80 | ((c >> 6) & 63)) || u8[j++] !== (0x80 | (c & 63))) return false;
    }
  }
  return j === end;
}

/** Decode `len` bytes at `bytes[off]` (a private copy: what the seqlock validated, or memory under our lock). */
export function decodeUtf8(bytes: Uint8Array, off: number, len: number): string {
  if (len === 0) return '';
  if (len <= 64) {
    let out = '';
    for (let i = off; i < off + len; i++) {
      const b = bytes[i] ?? 0;
      if (b >= 0x80) return decoder.decode(bytes.subarray(off, off + len));
      out += String.fromCharCode(b);
    }
    return out;
  }
  return decoder.decode(bytes.subarray(off, off + len));
}
