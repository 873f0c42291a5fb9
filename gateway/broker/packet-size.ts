// Reads the MQTT fixed header of every packet as bytes arrive, so that an oversized packet is
// refused from its declared length, before its body is buffered (aedes' parser, mqtt-packet,
// buffers a whole packet before it looks at it, and sets no maximum).
//   const meter = new PacketSizeMeter(8 * 1024);
//   meter.feed(chunk)  → null (fine so far) or { reason: 'too-large', declared, limit } / { reason: 'malformed-length' }
//   meter.limit = 128 * 1024;  // after CONNACK
//
// The fixed header (MQTT 3.1.1 §2.2): one byte of type and flags, then the remaining length as a
// variable byte integer of 1–4 bytes (7 bits each, high bit = more). A fifth length byte is
// malformed. The meter keeps no bytes: it counts down each body and reads the next header.

export type PacketRefusal = { reason: 'too-large'; declared: number; limit: number } | { reason: 'malformed-length' };

const MAX_LENGTH_BYTES = 4;

export class PacketSizeMeter {
  /** Largest remaining length accepted for the next packet header read. */
  limit: number;
  /** Complete fixed headers read so far. */
  headers = 0;
  #state: 'type' | 'length' | 'body' = 'type';
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #bodyLeft = 0;
  #refused: PacketRefusal | null = null;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Feeds the next bytes of the stream; a refusal is final (every later call returns it). */
  feed(chunk: Uint8Array): PacketRefusal | null {
    if (this.#refused) return this.#refused;
    let i = 0;
    while (i < chunk.length) {
      if (this.#state === 'body') {
        const skip = Math.min(this.#bodyLeft, chunk.length - i);
        this.#bodyLeft -= skip;
        i += skip;
        if (this.#bodyLeft === 0) this.#state = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.#state === 'type') {
        this.#state = 'length';
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
        continue;
      }
      // 'length': one byte of the variable byte integer
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      this.#lengthBytes++;
      if (byte & 0x80) {
        if (this.#lengthBytes === MAX_LENGTH_BYTES) return (this.#refused = { reason: 'malformed-length' });
        continue;
      }
      this.headers++;
      if (this.#length > this.limit) return (this.#refused = { reason: 'too-large', declared: this.#length, limit: this.limit });
      this.#bodyLeft = this.#length;
      this.#state = this.#length === 0 ? 'type' : 'body';
    }
    return null;
  }
}
