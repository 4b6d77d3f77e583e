import { Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { InjectAuthzOptions } from '../authz.module-definition.js';
import type { ResolvedAuthzOptions } from '../authz-options.interface.js';
import { leaveUnserialized, serializeInheritedRoutes } from './serialized-handler.js';

/**
 * The start-up half of `@Serialize`: created with the app's providers, before Nest reads the
 * route handlers, it wraps the routes a subclass inherits a class-level view for. In an app with
 * `serialization: false`, it marks the app's controllers so that their handlers answer
 * unprojected. Nothing of it runs per request.
 */
@Injectable()
export class SerializedRoutes implements OnModuleInit {
  constructor(
    @InjectAuthzOptions() private readonly options: ResolvedAuthzOptions,
    private readonly modules: ModulesContainer,
  ) {
    for (const module of modules.values()) {
      for (const wrapper of module.controllers.values()) {
        if (typeof wrapper.metatype === 'function') {
          serializeInheritedRoutes(wrapper.metatype as Type<unknown>);
        }
      }
    }
  }

  onModuleInit(): void {
    if (this.options.serialization) return;
    for (const module of this.modules.values()) {
      for (const wrapper of module.controllers.values()) {
        // A request-scoped controller has an instance per request: its class is marked instead.
        const target = wrapper.isDependencyTreeStatic() ? wrapper.instance : wrapper.metatype;
        if (typeof target === 'object' || typeof target === 'function') {
          if (target !== null) leaveUnserialized(target as object);
        }
      }
    }
  }
}
