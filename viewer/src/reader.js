// The .crr stream reader: turns the bytes of a replay, as they arrive, into checked, inflated chunks.
// See docs/replay-format.md. Every problem is thrown as a ReplayError with a message for the reader.

import { unzlibSync } from 'fflate';
import { crc32 } from './crc32.js';

export const FORMAT_VERSION = 1;
const MAGIC = 'CRREPLAY';
const KNOWN = new Set(['HEAD', 'TERR', 'EVNT', 'FRAM', 'PRTY', 'FRNT', 'END ']);
const MAX_CHUNK = 1 << 30;

export class ReplayError extends Error {}

/** A queue of byte arrays that can hand out exactly n bytes once they are there. */
class ByteQueue {
  constructor() {
    this.parts = [];
    this.head = 0; // read offset into parts[0]
    this.length = 0;
  }
  push(bytes) {
    if (bytes.length) {
      this.parts.push(bytes);
      this.length += bytes.length;
    }
  }
  /** Take n bytes (n <= length) as one contiguous Uint8Array (a view when it lies in one part). */
  take(n) {
    const first = this.parts[0];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      this.length -= n;
      if (this.head === first.length) {
        this.parts.shift();
        this.head = 0;
      }
      return out;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const p = this.parts[0];
      const k = Math.min(n - o, p.length - this.head);
      out.set(p.subarray(this.head, this.head + k), o);
      o += k;
      this.head += k;
      if (this.head === p.length) {
        this.parts.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }
}

const ascii = (b) => String.fromCharCode(...b);

/**
 * Incremental parser. feed(bytes) as they come; finish() when the stream is over.
 * sink: {head(json), terrain(bytes), events(text), frame(bytes), party?(bytes), front?(bytes), end(json)};
 * each gets inflated payloads.
 */
export class ReplayParser {
  constructor(sink, name = 'replay.crr') {
    this.sink = sink;
    this.name = name;
    this.q = new ByteQueue();
    this.gotPreamble = false;
    this.pending = null; // {kind, length, crc} of the chunk whose payload we wait for
    this.counts = { HEAD: 0, TERR: 0, EVNT: 0, FRAM: 0, PRTY: 0, FRNT: 0, 'END ': 0 };
    this.ended = false;
    this.bytes = 0;
    this.decoder = new TextDecoder('utf-8', { fatal: true });
  }

  fail(msg) {
    throw new ReplayError(`${this.name}: ${msg}`);
  }

  feed(bytes) {
    this.bytes += bytes.length;
    this.q.push(bytes);
    this.pump();
  }

  pump() {
    const q = this.q;
    if (!this.gotPreamble) {
      if (q.length < 12) return;
      const pre = q.take(12);
      const magic = ascii(pre.subarray(0, 8));
      if (magic !== MAGIC) this.fail(`not a Captain Red replay (bad magic ${JSON.stringify(magic)}, expected "${MAGIC}")`);
      const dv = new DataView(pre.buffer, pre.byteOffset, 12);
      const version = dv.getUint16(8, true);
      if (version !== FORMAT_VERSION) {
        const rel = version > FORMAT_VERSION ? 'newer' : 'older';
        this.fail(`replay format version ${version} is ${rel} than this viewer reads (${FORMAT_VERSION})`);
      }
      this.gotPreamble = true;
    }
    for (;;) {
      if (!this.pending) {
        if (q.length < 12) return;
        const h = q.take(12);
        const dv = new DataView(h.buffer, h.byteOffset, 12);
        const kind = ascii(h.subarray(0, 4));
        const length = dv.getUint32(4, true);
        const crc = dv.getUint32(8, true);
        if (this.ended) this.fail(`data after the END chunk (a ${JSON.stringify(kind)} chunk)`);
        const at = this.bytes - q.length - 12;
        if (!/^[A-Z ]{4}$/.test(kind)) this.fail(`the file is damaged: the chunk header at byte ${at} is corrupt (kind ${JSON.stringify(kind)}), so no checksum can be checked past it`);
        if (length > MAX_CHUNK) this.fail(`the file is damaged: the chunk header at byte ${at} is corrupt (a ${kind.trim()} chunk of ${length} bytes), so no checksum can be checked past it`);
        this.pending = { kind, length, crc };
      }
      const { kind, length, crc } = this.pending;
      if (q.length < length) return;
      const payload = q.take(length);
      this.pending = null;
      const n = (this.counts[kind] ?? 0) + 1;
      const got = crc32(payload);
      if (got !== crc) {
        this.fail(`the file is damaged: CRC-32 checksum mismatch in ${kind.trim()} chunk #${n} (stored ${hex(crc)}, computed ${hex(got)})`);
      }
      this.chunk(kind, payload, n);
    }
  }

  chunk(kind, payload, n) {
    if (!KNOWN.has(kind)) return; // a later minor addition: skip
    if (kind === 'HEAD' ? this.counts.HEAD > 0 : this.counts.HEAD === 0) {
      this.fail(kind === 'HEAD' ? 'a second HEAD chunk' : `a ${kind.trim()} chunk before the HEAD chunk`);
    }
    if (kind === 'TERR' && (this.counts.TERR > 0 || this.counts.EVNT > 0 || this.counts.FRAM > 0)) {
      this.fail('TERR chunk out of place (it must come once, right after HEAD)');
    }
    this.counts[kind] = n;
    let raw;
    try {
      raw = unzlibSync(payload);
    } catch (e) {
      this.fail(`${kind.trim()} chunk #${n} is not valid zlib data (${e.message})`);
    }
    switch (kind) {
      case 'HEAD':
        this.sink.head(this.json(raw, 'HEAD'));
        break;
      case 'TERR':
        this.sink.terrain(raw);
        break;
      case 'EVNT':
        this.sink.events(this.text(raw, 'EVNT'), n);
        break;
      case 'FRAM':
        this.sink.frame(raw, n, payload);
        break;
      case 'PRTY':
        this.sink.party?.(raw, n);
        break;
      case 'FRNT':
        this.sink.front?.(raw, n);
        break;
      case 'END ':
        this.ended = true;
        this.sink.end(this.json(raw, 'END'));
        break;
    }
  }

  text(raw, what) {
    try {
      return this.decoder.decode(raw);
    } catch {
      this.fail(`${what} chunk is not valid UTF-8`);
    }
  }

  json(raw, what) {
    const t = this.text(raw, what);
    try {
      return JSON.parse(t);
    } catch (e) {
      this.fail(`${what} chunk is not valid JSON (${e.message})`);
    }
  }

  /** The stream is over: anything short of a whole file with its END chunk is truncation. */
  finish() {
    if (!this.gotPreamble) {
      this.fail(this.bytes === 0 ? 'the file is empty' : `truncated: only ${this.bytes} bytes, not even the file header`);
    }
    if (!this.ended) {
      const where = this.pending
        ? `in the middle of a ${this.pending.kind.trim()} chunk`
        : this.q.length
          ? 'in the middle of a chunk header'
          : 'between chunks';
      this.fail(
        `truncated: the stream ended ${where} without its END chunk ` +
          `(after ${this.counts.FRAM} frames, ${this.bytes} bytes)`,
      );
    }
  }
}

const hex = (v) => '0x' + v.toString(16).padStart(8, '0');

/** Fetch url and feed its body to a parser as it streams in. Resolves when END was read and the body closed. */
export async function streamReplay(url, sink, { onBytes } = {}) {
  const name = url.split('/').pop() || url;
  let response;
  try {
    response = await fetch(url, { cache: 'no-store' });
  } catch (e) {
    throw new ReplayError(`${name}: could not be fetched (${e.message})`);
  }
  if (!response.ok) throw new ReplayError(`${name}: HTTP error ${response.status} ${response.statusText}`.trim());
  if (!response.body) throw new ReplayError(`${name}: the browser gave no response body to stream`);
  const parser = new ReplayParser(sink, name);
  const reader = response.body.getReader();
  for (;;) {
    let r;
    try {
      r = await reader.read();
    } catch (e) {
      throw new ReplayError(`${name}: the connection broke while reading (${e.message}); truncated after ${parser.counts.FRAM} frames`);
    }
    if (r.done) break;
    try {
      parser.feed(r.value);
    } catch (e) {
      reader.cancel().catch(() => {});
      throw e;
    }
    onBytes?.(parser.bytes);
  }
  parser.finish();
}
