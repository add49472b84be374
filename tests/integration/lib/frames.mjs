// y-websocket framing for the tests that speak the protocol byte by byte (yjs-spec.md §5):
// lib0 varUint lengths, sync messages, and the update a sync message carries.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

// Payloads may be given as plain arrays of bytes.
const bytes = (b) => (b instanceof Uint8Array ? b : Uint8Array.from(b));

/** lib0 writeVarUint as an array of bytes. */
export function varUint(n) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, n);
  return Array.from(encoding.toUint8Array(e));
}

/** An outer message: its type, then the payload with its varUint length. */
export function frame(outer, payload) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, outer);
  encoding.writeVarUint8Array(e, bytes(payload));
  return encoding.toUint8Array(e);
}

/** A sync message (0 step 1, 1 step 2, 2 update) carrying `update`. */
export function syncMessage(type, update) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, type);
  encoding.writeVarUint8Array(e, bytes(update));
  return encoding.toUint8Array(e);
}

export const syncUpdate = (update) => syncMessage(2, update);

/** The update a sync step 2 or update message carries; null for any other message. */
export function syncPayload(m) {
  if (!(m instanceof Uint8Array) || m[0] !== 0 || (m[1] !== 1 && m[1] !== 2)) return null;
  const d = decoding.createDecoder(m);
  decoding.readVarUint(d);
  decoding.readVarUint(d);
  return decoding.readVarUint8Array(d);
}
