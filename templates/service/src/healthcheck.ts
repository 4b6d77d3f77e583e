// The image's HEALTHCHECK: distroless images have no curl or shell, so node asks itself.
import { request } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const path = process.argv[2] ?? '/health/live';
const req = request({ host: '127.0.0.1', port, path, timeout: 2_000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
req.end();
