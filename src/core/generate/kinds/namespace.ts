import {fromSkeleton, map, type Generator} from './common.js'

export const namespace: Generator = {
  check: () => [],
  render(p, skeleton) {
    const labels: Record<string, string> = {...map(p.labels)}
    if (p.injection === true) labels['istio-injection'] = 'enabled'
    const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
    return [fromSkeleton(skeleton, 'Namespace', {name: String(p.name), labels: sorted})]
  },
}
