// The baseline: OpenTelemetry's documented Node.js setup for an ESM app (auto-instrumentations
// through the import-in-the-middle loader hook), as the NestJS instrumentation docs point to.
import { register } from 'node:module';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { NodeSDK } from '@opentelemetry/sdk-node';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const sdk = new NodeSDK({ instrumentations: [getNodeAutoInstrumentations()] });
sdk.start();
