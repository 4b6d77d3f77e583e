/**
 * The security headers and CORS options `applySecurity` installs, for an application that wires
 * them itself: helmet's output for an API, replayed per response.
 *
 * @packageDocumentation
 */
export { corsOptions } from '../cors.js';
export {
  API_CONTENT_SECURITY_POLICY,
  installSecurityHeaders,
  setSecurityHeaders,
} from '../security-headers.js';
