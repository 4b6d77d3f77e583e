import 'reflect-metadata';
import { createRequire } from 'node:module';
import type { Type } from '@nestjs/common';
import {
  Exclude,
  Expose,
  instanceToPlain,
  plainToInstance,
  Transform,
  Type as TypeOf,
} from 'class-transformer';
import { describe, expect, it } from 'vitest';
import { projectionOf } from './view-serializer.js';

/** What @Serialize did before views were compiled: class-transformer's walk, three passes. */
const walk = (view: Type<unknown>, item: unknown) =>
  instanceToPlain(plainToInstance(view, instanceToPlain(item), { excludeExtraneousValues: true }));

/** The same answer, down to key order and keys set to undefined. */
function expectSameAsWalk(view: Type<unknown>, item: unknown) {
  const compiled = projectionOf(view)(item);
  const generic = walk(view, item);
  expect(compiled).toStrictEqual(generic);
  expect(Object.keys(compiled as object)).toEqual(Object.keys(generic as object));
  expect(JSON.stringify(compiled)).toBe(JSON.stringify(generic));
}

class NoteView {
  @Expose() id!: string;
  @Expose() title!: string;
  @Expose() count!: number;
  @Expose() done!: boolean;
}

class BaseView {
  @Expose() id!: string;
}
class DerivedView extends BaseView {
  @Expose() title!: string;
}

class RenamedView {
  @Expose({ name: 'heading' }) title!: string;
}
class GroupView {
  @Expose() id!: string;
  @Expose({ groups: ['admin'] }) secret!: string;
}
class TransformedView {
  @Expose() @Transform(({ value }) => String(value).toUpperCase()) title!: string;
}
class ChildView {
  @Expose() name!: string;
}
class NestedView {
  @Expose() id!: string;
  @Expose() @TypeOf(() => ChildView) child!: ChildView;
}
class PageView {
  @Expose() @TypeOf(() => NoteView) items!: NoteView[];
  @Expose() limit!: number;
  @Expose() next!: string | null;
}
class TreeView {
  @Expose() id!: string;
  @Expose() @TypeOf(() => TreeView) children!: TreeView[];
}
class ExcludingView {
  @Expose() id!: string;
  @Exclude() title!: string;
}
class InitialisedView {
  @Expose() id!: string;
  @Expose() title = 'untitled';
}
class AccessorView {
  @Expose() id!: string;
  @Expose() get shout() {
    return `${this.id}!`;
  }
}
class EntityWithRules {
  id = 'e1';
  @Exclude() title = 'hidden by the entity';
}

// projectionOf() reads class-transformer's metadata registry from an internal path (see
// metadataStorage()): this fails when an upgrade moves it or changes what is read, where the
// views would otherwise fall back to the generic walk without a word.
describe('the class-transformer internal the compiled views rely on', () => {
  it('is class-transformer/cjs/storage.js, the registry @Expose() writes to', () => {
    const { defaultMetadataStorage: storage } = createRequire(import.meta.url)(
      'class-transformer/cjs/storage.js',
    ) as { defaultMetadataStorage: Record<string, (...args: unknown[]) => unknown> };
    for (const method of [
      'getStrategy',
      'getExposedMetadatas',
      'getExcludedMetadatas',
      'findTypeMetadata',
      'findTransformMetadatas',
    ]) {
      expect(typeof storage[method], method).toBe('function');
    }
    const exposed = storage.getExposedMetadatas?.(NoteView) as { propertyName: string }[];
    expect(exposed.map((metadata) => metadata.propertyName)).toEqual([
      'id',
      'title',
      'count',
      'done',
    ]);
    expect(storage.getStrategy?.(NoteView)).toBe('none');
  });
});

describe('when a view is plain @Expose() fields', () => {
  it('picks the exposed fields of a plain object, in the order of the view', () => {
    const item = { done: false, title: 't', secret: 'x', id: '1', count: 3 };
    expectSameAsWalk(NoteView, item);
    expect(projectionOf(NoteView)(item)).toStrictEqual({
      id: '1',
      title: 't',
      count: 3,
      done: false,
    });
  });

  it('sets a missing field to undefined as the walk does (JSON leaves it out)', () => {
    expectSameAsWalk(NoteView, { id: '1' });
  });

  it('keeps null, bigint-free primitives and empty strings as they are', () => {
    expectSameAsWalk(NoteView, { id: '', title: null, count: Number.NaN, done: true });
  });

  it('reads inherited @Expose() fields, base first', () => {
    expectSameAsWalk(DerivedView, { title: 't', id: '1', other: 2 });
  });

  it('ignores inherited and non-enumerable properties of the item as the walk does', () => {
    const item = Object.create(null) as Record<string, unknown>;
    Object.defineProperty(item, 'id', { value: 'hidden', enumerable: false });
    item.title = 't';
    expectSameAsWalk(NoteView, item);
  });

  it('falls back to the walk for a nested object, an array, a Date or a class instance', () => {
    expectSameAsWalk(NoteView, { id: { deep: 1 }, title: 't' });
    expectSameAsWalk(NoteView, { id: ['a'], title: 't' });
    expectSameAsWalk(NoteView, { id: new Date(0), title: 't' });
    expectSameAsWalk(BaseView, new EntityWithRules());
  });
});

describe('when a view has a nested @Type(() => View)', () => {
  const note = (id: string) => ({ id, title: 't', count: 1, done: true, ownerId: 'secret' });

  it('projects each item of a page onto the nested view, as the walk does', () => {
    expectSameAsWalk(PageView, { items: [note('1'), note('2')], limit: 2, next: '2', total: 9 });
    expect(projectionOf(PageView)({ items: [note('1')], limit: 1, next: null })).toStrictEqual({
      items: [{ id: '1', title: 't', count: 1, done: true }],
      limit: 1,
      next: null,
    });
  });

  it('answers as the walk for an empty page, a missing list and a single nested object', () => {
    expectSameAsWalk(PageView, { items: [], limit: 20, next: null });
    expectSameAsWalk(PageView, { limit: 20 });
    expectSameAsWalk(PageView, { items: note('1'), limit: 1, next: null });
    expectSameAsWalk(NestedView, { id: '1', child: { name: 'c', x: 1 } });
  });

  it('falls back to the walk for items it cannot be sure of', () => {
    expectSameAsWalk(PageView, { items: [note('1'), new Date(0)], limit: 2, next: null });
    expectSameAsWalk(PageView, { items: [note('1'), null], limit: 2, next: null });
    expectSameAsWalk(PageView, { items: [{ ...note('1'), title: { nested: true } }], limit: 1 });
    expectSameAsWalk(PageView, { items: [new EntityWithRules()], limit: 1, next: null });
  });

  it('answers as the walk for a view that nests itself', () => {
    expectSameAsWalk(TreeView, { id: 'a', children: [{ id: 'b', children: [], x: 1 }] });
  });
});

describe('when a view uses more than plain @Expose()', () => {
  const item = { id: '1', title: 'a title', heading: 'h', secret: 's', child: { name: 'c', x: 1 } };
  for (const view of [
    RenamedView,
    GroupView,
    TransformedView,
    ExcludingView,
    InitialisedView,
    AccessorView,
  ] as Type<unknown>[]) {
    it(`answers exactly as the walk for ${view.name}`, () => {
      expectSameAsWalk(view, item);
      expectSameAsWalk(view, { id: '2' });
    });
  }
});
