/**
 * The values the safe pickle reader (pickle.ts) builds. Python objects that would need code to
 * create are only described: a PickleGlobal names what would have been imported, a PickleObject
 * what would have been called and with what.
 */

/** A `module.name` reference the pickle wanted to import. Never imported. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** What REDUCE / NEWOBJ / OBJ / INST would have built: the callable, its arguments, later BUILD state and items. */
export class PickleObject {
  state: PickleValue | undefined = undefined;
  /** Items added by SETITEM(S) to the object (e.g. an OrderedDict), in order. */
  readonly dictItems = new Map<PickleValue, PickleValue>();
  /** Items added by APPEND(S) to the object. */
  readonly listItems: PickleValue[] = [];
  constructor(
    readonly callable: PickleValue,
    readonly args: PickleValue,
  ) {}
}

/** A persistent reference (torch: a tensor storage: ('storage', type, key, location, numel)). */
export class PickleStorageRef {
  constructor(readonly persistentId: PickleValue) {}
}

export class PickleTuple {
  constructor(readonly items: PickleValue[]) {}
}

export class PickleSet {
  constructor(readonly items: PickleValue[]) {}
}

/** A Python dict. Keys that are numbers or strings compare by value; others by identity. */
export class PickleDict {
  readonly map = new Map<PickleValue, PickleValue>();
  get(key: string | number): PickleValue | undefined {
    return this.map.get(key);
  }
  keys(): PickleValue[] {
    return [...this.map.keys()];
  }
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | PickleSet
  | PickleDict
  | PickleGlobal
  | PickleObject
  | PickleStorageRef;

export class PickleError extends Error {
  override readonly name = 'PickleError';
}

/** Two's-complement little-endian integer → number when exact, else bigint. Built from hex in one step (linear). */
export function littleEndianSigned(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
  if ((bytes[bytes.length - 1] as number) & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return Number.isSafeInteger(Number(value)) ? Number(value) : value;
}

export function parseIntegerText(text: string, onError: () => never): number | bigint {
  if (!/^[+-]?\d+$/.test(text)) onError();
  const value = BigInt(text);
  return Number.isSafeInteger(Number(value)) ? Number(value) : value;
}
