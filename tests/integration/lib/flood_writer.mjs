// A writer process for the slow-reader test: sends `count` Yjs updates of `size` characters to a
// document as fast as the server takes them, reads (and drops) everything it receives, and exits
// once the server has echoed every update back (committed and fanned out).
//   node flood_writer.mjs <wsUrl-with-room-and-token> <count> <size>
import WebSocket from 'ws';
import * as Y from 'yjs';

const [url, countArg, sizeArg] = process.argv.slice(2);
const count = Number(countArg);
const size = Number(sizeArg);

function varUint(n) {
  const out = [];
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f));
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const ws = new WebSocket(url);
ws.binaryType = 'nodebuffer';
let echoed = 0;
ws.on('message', (data) => {
  if (data[0] === 0 && data[1] === 2 && ++echoed === count) {
    process.stdout.write('done\n');
    ws.close();
  }
});
ws.on('close', (code, reason) => {
  if (echoed < count) {
    process.stderr.write(`writer closed early: ${code} ${reason}\n`);
    process.exit(1);
  }
  process.exit(0);
});
ws.on('open', async () => {
  const doc = new Y.Doc();
  const text = doc.getText('text');
  doc.on('update', (u) => ws.send(Buffer.from([0, 2, ...varUint(u.length), ...u])));
  const chunk = 'x'.repeat(size - 12);
  for (let i = 0; i < count; ++i) {
    // Prepending keeps Yjs from merging everything into one ever-growing string.
    text.insert(0, `${String(i).padStart(10, '0')}|${chunk}\n`);
    if (i % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 1));
  }
});
