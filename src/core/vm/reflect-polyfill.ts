/**
 * @peculiar/x509 resolves its algorithm providers through tsyringe, which refuses to load unless
 * the Reflect metadata API exists (normally supplied by the `reflect-metadata` package, which is
 * not a dependency of cleat). tsyringe only stores and reads decorator metadata through these
 * four functions, so a small WeakMap-backed implementation is enough. It never replaces an
 * existing implementation.
 */
type MetaMap = Map<unknown, unknown>
const store = new WeakMap<object, Map<string | symbol | undefined, MetaMap>>()

function table(target: object, key: string | symbol | undefined, create: boolean): MetaMap | undefined {
  let byKey = store.get(target)
  if (!byKey) {
    if (!create) return undefined
    byKey = new Map()
    store.set(target, byKey)
  }
  let t = byKey.get(key)
  if (!t && create) {
    t = new Map()
    byKey.set(key, t)
  }
  return t
}

interface ReflectMetadata {
  defineMetadata(k: unknown, v: unknown, target: object, prop?: string | symbol): void
  getOwnMetadata(k: unknown, target: object, prop?: string | symbol): unknown
  getMetadata(k: unknown, target: object, prop?: string | symbol): unknown
  hasMetadata(k: unknown, target: object, prop?: string | symbol): boolean
}

const R = Reflect as unknown as Partial<ReflectMetadata>
if (typeof R.getMetadata !== 'function') {
  const own = (k: unknown, target: object, prop?: string | symbol) => table(target, prop, false)?.get(k)
  const lookup = (k: unknown, target: object, prop?: string | symbol): unknown => {
    for (let o: object | null = target; o; o = Object.getPrototypeOf(o) as object | null) {
      const t = table(o, prop, false)
      if (t?.has(k)) return t.get(k)
    }
    return undefined
  }
  Object.assign(Reflect, {
    defineMetadata: (k: unknown, v: unknown, target: object, prop?: string | symbol) => void table(target, prop, true)!.set(k, v),
    getOwnMetadata: own,
    getMetadata: lookup,
    hasMetadata: (k: unknown, target: object, prop?: string | symbol) => lookup(k, target, prop) !== undefined,
  } satisfies ReflectMetadata)
}

export {}
