// CRC-32 (IEEE 802.3, the one zlib.crc32 computes), table-driven.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes` (a Uint8Array), as an unsigned 32-bit number. */
export function crc32(bytes, crc = 0) {
  let c = ~crc >>> 0;
  for (let i = 0, n = bytes.length; i < n; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
