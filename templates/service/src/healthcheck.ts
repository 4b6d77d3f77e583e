// The image's HEALTHCHECK: distroless images have no curl or shell, so node asks itself.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const port = Number(process.env.PORT ?? 3000);
const path = process.argv[2] ?? '/health/live';
// With TLS_CERT_FILE and TLS_KEY_FILE the listener speaks only HTTPS. This asks the process it
// runs beside over loopback, where the certificate's names (the Service's DNS names) cannot
// match, so it checks that TLS answers, not who answers; /health/* needs no client certificate.
const tls = Boolean(process.env.TLS_CERT_FILE?.trim() && process.env.TLS_KEY_FILE?.trim());
const request = tls ? httpsRequest : httpRequest;
const req = request(
  { host: '127.0.0.1', port, path, timeout: 2_000, ...(tls ? { rejectUnauthorized: false } : {}) },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
req.end();
