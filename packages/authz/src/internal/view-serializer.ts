import { createRequire } from 'node:module';
import type { Type } from '@nestjs/common';
import { classTransformer } from './class-packages.js';

const require = createRequire(import.meta.url);

/** Projects one value (never an array) onto a view class. */
type Project = (item: unknown) => unknown;

/** The parts of class-transformer's metadata storage a view's plan is read from. */
interface MetadataStorage {
  getStrategy(target: Type<unknown>): string;
  getExposedMetadatas(
    target: Type<unknown>,
  ): { propertyName: string; options?: Record<string, unknown> }[];
  getExcludedMetadatas(target: Type<unknown>): unknown[];
  findTypeMetadata(
    target: Type<unknown>,
    property: string,
  ):
    | { typeFunction?: () => unknown; reflectedType?: unknown; options?: Record<string, unknown> }
    | undefined;
  findTransformMetadatas(target: Type<unknown>, property: string, type: number): unknown[];
}

const plans = new WeakMap<Type<unknown>, Project>();

/**
 * The projection of `view`, decided once per view class: a field picker when the view is plain
 * `@Expose()` fields only, else class-transformer's generic walk.
 */
export function projectionOf(view: Type<unknown>): Project {
  let project = plans.get(view);
  if (project === undefined) {
    project = compile(view);
    plans.set(view, project);
  }
  return project;
}

/**
 * What `@Serialize` has always done: `instanceToPlain(plainToInstance(view,
 * instanceToPlain(item), { excludeExtraneousValues: true }))`.
 */
function generic(view: Type<unknown>): Project {
  return (item) => {
    const transformer = classTransformer();
    return transformer.instanceToPlain(
      transformer.plainToInstance(view, transformer.instanceToPlain(item), {
        excludeExtraneousValues: true,
      }),
    );
  };
}

/** One exposed field of a compiled view; `view` when it is a nested `@Type(() => View)`. */
interface Field {
  key: string;
  view?: Field[];
}

const isEnumerable = Object.prototype.propertyIsEnumerable;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value the walk passes through unchanged, as the picker does. */
function isPrimitive(value: unknown): boolean {
  return (
    value === null ||
    (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')
  );
}

/**
 * The walk's answer for a plain object against compiled fields, or `undefined` when the picker
 * cannot be sure of it (the caller then takes the walk).
 */
function pick(source: object, fields: readonly Field[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = isEnumerable.call(source, field.key)
      ? (source as Record<string, unknown>)[field.key]
      : undefined;
    if (value === undefined || isPrimitive(value)) {
      out[field.key] = value;
    } else if (field.view === undefined || typeof value !== 'object' || value === null) {
      return undefined;
    } else if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (const item of value) {
        if (item === null || typeof item !== 'object' || !isPlainObject(item)) return undefined;
        const picked = pick(item, field.view);
        if (picked === undefined) return undefined;
        items.push(picked);
      }
      out[field.key] = items;
    } else if (isPlainObject(value)) {
      const picked = pick(value, field.view);
      if (picked === undefined) return undefined;
      out[field.key] = picked;
    } else {
      return undefined;
    }
  }
  return out;
}

/**
 * A picker that gives exactly the generic walk's answer, for the cases where that answer is
 * simple: a view whose fields are bare `@Expose()` (no name, groups, versions, `@Transform`,
 * `@Exclude`, accessors, methods or initialised fields), or a bare `@Type(() => View)` of such a
 * view, and an item that is a plain object whose exposed values are primitives, or for a nested
 * view plain objects or arrays of them. The generic walk copies the item's own enumerable
 * properties, keeps the exposed keys in the view's metadata order, leaves primitives as they are,
 * projects nested values onto their view, and sets a missing key to `undefined` (dropped by
 * JSON). Anything else (a class instance, which may carry its own class-transformer rules; a
 * Date, a Map, a nested object without `@Type`) takes the generic walk, item by item.
 */
function compile(view: Type<unknown>): Project {
  const slow = generic(view);
  const fields = compiledFields(view, new Set());
  if (fields === undefined) return slow;
  return (item) => {
    if (item === null || typeof item !== 'object' || !isPlainObject(item)) return slow(item);
    return pick(item, fields) ?? slow(item);
  };
}

let storage: MetadataStorage | null | undefined;

/** class-transformer's own registry (the one its decorators write to and its walk reads). */
function metadataStorage(): MetadataStorage | undefined {
  if (storage === undefined) {
    try {
      // A class-transformer internal: its public API has no way to read the registry, and the
      // package has no exports map; this is the module its decorators import.
      // view-serializer.spec.ts checks it, so an upgrade that moves or changes it fails a test.
      storage = (
        require('class-transformer/cjs/storage.js') as { defaultMetadataStorage: MetadataStorage }
      ).defaultMetadataStorage;
    } catch {
      storage = null;
    }
  }
  return storage ?? undefined;
}

/** The exposed fields of `view` in metadata order, or `undefined` when a picker would differ. */
function compiledFields(view: Type<unknown>, compiling: Set<Type<unknown>>): Field[] | undefined {
  const registry = metadataStorage();
  if (registry === undefined || compiling.has(view)) return undefined;
  compiling.add(view);
  try {
    if (registry.getStrategy(view) !== 'none') return undefined;
    if (registry.getExcludedMetadatas(view).length > 0) return undefined;
    const fields: Field[] = [];
    for (const metadata of registry.getExposedMetadatas(view)) {
      const key = metadata.propertyName;
      if (typeof key !== 'string' || key === '__proto__') return undefined;
      if (metadata.options && Object.keys(metadata.options).length > 0) return undefined;
      // TransformationType: PLAIN_TO_CLASS 0, CLASS_TO_PLAIN 1.
      for (const type of [0, 1]) {
        if (registry.findTransformMetadatas(view, key, type).length > 0) return undefined;
      }
      if (hasPrototypeProperty(view, key)) return undefined;
      if (fields.some((field) => field.key === key)) continue;
      const type = registry.findTypeMetadata(view, key);
      if (type === undefined) {
        fields.push({ key });
        continue;
      }
      // Only `@Type(() => View)`: no options (discriminators), a type function that reads
      // nothing of the object, and an array (if any) of the plain Array kind.
      if (type.options && Object.keys(type.options).length > 0) return undefined;
      if (typeof type.typeFunction !== 'function' || type.typeFunction.length > 0) return undefined;
      if (type.reflectedType !== undefined && type.reflectedType !== Array) {
        if (type.reflectedType === Map || type.reflectedType === Set) return undefined;
      }
      const nested = type.typeFunction();
      if (typeof nested !== 'function') return undefined;
      const nestedFields = compiledFields(nested as Type<unknown>, compiling);
      if (nestedFields === undefined) return undefined;
      fields.push({ key, view: nestedFields });
    }
    // A constructor that sets fields would show them in the generic walk's answer.
    const instance = new view() as object;
    if (Reflect.ownKeys(instance).length > 0) return undefined;
    return fields;
  } catch {
    return undefined;
  } finally {
    compiling.delete(view);
  }
}

function hasPrototypeProperty(view: Type<unknown>, key: string): boolean {
  for (let proto = view.prototype; proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (Object.getOwnPropertyDescriptor(proto, key) !== undefined) return true;
  }
  return false;
}
