import 'reflect-metadata';
import { startService } from '@bulwark/service';
import { Logger } from '@nestjs/common';
import { ADAPTER } from './adapter.js';
import { AppModule } from './app.module.js';

// Every setting comes from the environment (see .env.example); a wrong or missing one stops
// start-up with one JSON line naming the variable to set. The image runs this file with
// tracing preloaded: node --import @bulwark/tracing/register dist/main.js
const app = await startService(AppModule, { adapter: ADAPTER });
new Logger('Main').log(`listening on ${await app.getUrl()} (${ADAPTER})`);
