import type { ModulesContainer } from '@nestjs/core';
import { MetadataScanner } from '@nestjs/core';

/**
 * Whether any controller of the app, or any of its methods, carries `metadataKey`. Read from
 * the controllers' classes, so it can run while providers are still being created.
 */
export function anyControllerCarries(container: ModulesContainer, metadataKey: string): boolean {
  const scanner = new MetadataScanner();
  for (const module of container.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as { prototype?: Record<string, unknown> } | null;
      if (!controller?.prototype) continue;
      if (Reflect.getMetadata(metadataKey, controller) !== undefined) return true;
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (
          typeof handler === 'function' &&
          Reflect.getMetadata(metadataKey, handler) !== undefined
        )
          return true;
      }
    }
  }
  return false;
}
