// A writer process for the slow-reader test: sends `count` Yjs updates of `size` characters to a
// document as fast as the server takes them, reads (and drops) everything it receives, and exits
// once the server has echoed every update back (committed and fanned out). The server may merge
// several updates into one message, so what counts is the clock the echoes reach, not how many
// messages came back.
//   node flood_writer.mjs <wsUrl-with-room-and-token> <count> <size>
import WebSocket from 'ws';
import * as Y from 'yjs';
import { syncPayload, syncUpdate } from './frames.mjs';

const [url, countArg, sizeArg] = process.argv.slice(2);
const count = Number(countArg);
const size = Number(sizeArg);


const ws = new WebSocket(url);
ws.binaryType = 'nodebuffer';
const doc = new Y.Doc();
let sent = 0;
let finalClock = Infinity;  // our own clock once every update is made
let echoedClock = 0;  // how far the server's echoes of our updates reach
let done = false;
function check() {
  if (!done && echoedClock >= finalClock) {
    done = true;
    process.stdout.write('done\n');
    ws.close();
  }
}
ws.on('message', (data) => {
  if (data[0] !== 0 || data[1] !== 2) return;
  const to = Y.parseUpdateMeta(syncPayload(data)).to.get(doc.clientID);
  if (to !== undefined) echoedClock = Math.max(echoedClock, to);
  check();
});
ws.on('close', (code, reason) => {
  if (!done) {
    process.stderr.write(`writer closed early: ${code} ${reason}\n`);
    process.exit(1);
  }
  process.exit(0);
});
ws.on('open', async () => {
  const text = doc.getText('text');
  doc.on('update', (u) => {
    ++sent;
    ws.send(syncUpdate(u));
  });
  const chunk = 'x'.repeat(size - 12);
  for (let i = 0; i < count; ++i) {
    // Prepending keeps Yjs from merging everything into one ever-growing string.
    text.insert(0, `${String(i).padStart(10, '0')}|${chunk}\n`);
    if (i % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (sent !== count) throw new Error(`made ${sent} updates, not ${count}`);
  finalClock = Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID);
  check();
});
