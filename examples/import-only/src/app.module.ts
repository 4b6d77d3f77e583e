import { AuthModule } from '@bulwark/auth';
import { AuthzModule } from '@bulwark/authz';
import { type DynamicModule, Module } from '@nestjs/common';
import { OrdersController } from './orders.controller.js';
import { OrderLoader, OrdersStore } from './orders.store.js';

/** The existing app's own module: nothing Bulwark-specific. */
@Module({ controllers: [OrdersController], providers: [OrdersStore, OrderLoader] })
export class OrdersModule {}

/** Where the JWKS lives; in the app this comes from its own configuration. */
export interface AuthSettings {
  issuer: string;
  audience: string;
  jwksUri: string;
}

/**
 * The only change to the existing root module: two imports, in any order. Authentication runs
 * before authorization (which needs the principal) as the steps of one request pipeline.
 */
@Module({})
export class AppModule {
  static register(auth: AuthSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [AuthModule.forRoot(auth), AuthzModule.forRoot(), OrdersModule],
    };
  }
}
