// Shared by the browser tests: start the real napconsult binary on a free port, and launch
// Debian's Chromium through playwright-core (no downloaded browser).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const bin = process.env.NAPC_BIN ?? path.resolve(import.meta.dirname, '../../../build/bin');

// Starts `napconsult <command> --listen 127.0.0.1:0 …` and resolves once it prints its address.
export async function startServer({ command = 'serve', args = [] } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'napc-e2e-'));
  const child = spawn(path.join(bin, 'napconsult'), [command, '--listen', '127.0.0.1:0', ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`napconsult did not start:\n${output}`)), 10000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/[\d.:]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => reject(new Error(`napconsult exited with ${code}:\n${output}`)));
  });
  return {
    url,
    dir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
