/** A DTO class: anything class-transformer can instantiate. */
export type DtoClass = abstract new (...args: never) => object;

const ELEMENT = Symbol('bulwark.validation.array-element');

/** The stand-in parameter type of an array of DTOs, carrying the element class. */
export interface ArrayOfType {
  readonly [ELEMENT]: DtoClass;
  readonly name: string;
}

const arrayTypes = new WeakMap<DtoClass, ArrayOfType>();

/** The one stand-in type per element class, so that every route sees the same object. */
export function arrayType(element: DtoClass): ArrayOfType {
  let type = arrayTypes.get(element);
  if (!type) {
    // A class named `CreateNote[]`, so that Nest treats it as a parameter type like any DTO.
    const created = { [`${element.name}[]`]: class {} }[`${element.name}[]`] as object;
    Object.defineProperty(created, ELEMENT, { value: element });
    type = created as ArrayOfType;
    arrayTypes.set(element, type);
  }
  return type;
}

/** The element class of a type made by {@link arrayType}, or `undefined`. */
export function elementOf(metatype: unknown): DtoClass | undefined {
  return typeof metatype === 'function' && ELEMENT in metatype
    ? (metatype as ArrayOfType)[ELEMENT]
    : undefined;
}
