/**
 * Dotted key paths into plain JSON trees: `workload.load` in a config, `ttft.p50` in a summary.
 * Metrics are read by path, so fields added to the run summary later are usable without changes here.
 */

export function splitPath(path: string): string[] {
  return path.split('.');
}

/** The value at `path`, or undefined when any step is missing or not an object. */
export function getPath(tree: unknown, path: string): unknown {
  let o: unknown = tree;
  for (const k of splitPath(path)) {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(o, k)) return undefined;
    o = (o as Record<string, unknown>)[k];
  }
  return o;
}

/** Sets `path` in `tree`, creating (or replacing non-object) intermediate objects. */
export function setPath(tree: Record<string, unknown>, path: string, value: unknown): void {
  const keys = splitPath(path);
  let o = tree;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1] as string] = value;
}

/** Removes `path` from `tree` when present. */
export function deletePath(tree: Record<string, unknown>, path: string): void {
  const keys = splitPath(path);
  const parent = getPath(tree, keys.slice(0, -1).join('.'));
  const target = keys.length === 1 ? tree : parent;
  if (typeof target === 'object' && target !== null) delete (target as Record<string, unknown>)[keys[keys.length - 1] as string];
}

/** Every path to a number in `tree` (for error messages that list what can be asked for). */
export function numericPaths(tree: unknown, prefix = ''): string[] {
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number') out.push(p);
    else out.push(...numericPaths(v, p));
  }
  return out;
}

/** A deep copy of a JSON tree. */
export function cloneJson<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** JSON with object keys sorted at every level: equal trees give equal strings. */
export function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  if (typeof x === 'object' && x !== null) {
    const keys = Object.keys(x)
      .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((x as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(x) ?? 'null';
}
