// Shows whether the server answers its health check. The full web client replaces this page.
const status = document.getElementById('status');
try {
  const res = await fetch('/healthz', { cache: 'no-store' });
  const body = await res.json();
  status.textContent = res.ok && body.status === 'ok' ? 'Server is up.' : 'Server is not healthy.';
  status.className = res.ok ? 'status ok' : 'status down';
} catch {
  status.textContent = 'Server is unreachable.';
  status.className = 'status down';
}
