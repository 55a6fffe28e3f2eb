import { BaseResource, type FeatureType } from 'adminjs'
import type AdminJS from 'adminjs'

/** The resources given to `new AdminJS()`, each with its AdminJS id and features. */
export interface ResourceEntry {
  resource: BaseResource
  id: string
  features: readonly FeatureType[]
}

interface Adapter {
  Resource: { isAdapterFor(raw: unknown): boolean; new (raw: unknown): BaseResource }
}

/**
 * Read from the options while AdminJS is still building its resources (features run inside
 * `new AdminJS()`, before `admin.resources` is filled), through the registered adapters, as
 * AdminJS itself will.
 */
export function resourceEntries(admin: AdminJS): ResourceEntry[] {
  const adapters = (globalThis as { RegisteredAdapters?: Adapter[] }).RegisteredAdapters ?? []
  const raw = (admin.options.resources ?? []) as unknown[]
  return raw.flatMap((entry) => {
    const given = entry as { resource?: unknown; options?: { id?: unknown }; features?: unknown }
    const object = given.resource ?? entry
    let resource = object instanceof BaseResource ? object : null
    if (!resource) {
      const adapter = adapters.find((a) => a.Resource.isAdapterFor(object))
      resource = adapter ? new adapter.Resource(object) : null
    }
    if (!resource) return []
    const id = typeof given.options?.id === 'string' ? given.options.id : resource.id()
    const features = Array.isArray(given.features) ? (given.features as FeatureType[]) : []
    return [{ resource, id, features }]
  })
}

const USER_FEATURE = Symbol.for('adminjs-single-session.userFeature')

/** Marks the User feature, so that the UserSession resource can find its resource by it. */
export function markUserFeature(feature: FeatureType): FeatureType {
  Object.defineProperty(feature, USER_FEATURE, { value: true })
  return feature
}

export function isUserFeature(feature: FeatureType): boolean {
  return (feature as unknown as Record<symbol, unknown>)[USER_FEATURE] === true
}
