// The benchmarked app: `node bench/app.mjs <adapter>`; BENCH_METRICS=1 adds @bulwark/metrics.
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

class ItemsController {
  get(id) {
    return { id, name: 'item', tags: ['a', 'b'] };
  }
}
Get(':id')(
  ItemsController.prototype,
  'get',
  Object.getOwnPropertyDescriptor(ItemsController.prototype, 'get'),
);
Param('id')(ItemsController.prototype, 'get', 0);
Controller('items')(ItemsController);

const imports = [];
if (process.env.BENCH_METRICS === '1') {
  const { MetricsModule } = await import('@bulwark/metrics');
  imports.push(MetricsModule.forRoot({ port: 0 }));
}
class AppModule {}
Module({ imports, controllers: [ItemsController] })(AppModule);

const adapter = process.argv[2] === 'express' ? new ExpressAdapter() : new FastifyAdapter();
const app = await NestFactory.create(AppModule, adapter, { logger: false });
await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ listening: app.getHttpServer().address().port })}\n`);
// CPU time is the figure that survives a busy machine: the driver samples it around the run.
const reportCpu = () => process.stdout.write(`${JSON.stringify({ cpu: process.cpuUsage() })}\n`);
process.on('SIGUSR2', reportCpu);
process.once('SIGTERM', async () => {
  reportCpu();
  await app.close();
  process.exit(0);
});
