// A stand-alone y-websocket client process (killed with SIGKILL by the tests): connects a stock
// provider, publishes an awareness state, prints "synced <clientID>" and stays up.
//   node awareness_client.mjs <wsBase> <room> <token> <name>
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

const [wsBase, room, token, name] = process.argv.slice(2);
const doc = new Y.Doc();
const provider = new WebsocketProvider(wsBase, room, doc, {
  WebSocketPolyfill: WebSocket,
  params: { token },
  disableBc: true,
});
provider.awareness.setLocalStateField('user', { name });
provider.on('sync', (s) => {
  if (s) process.stdout.write(`synced ${doc.clientID}\n`);
});
setInterval(() => {}, 1000);
