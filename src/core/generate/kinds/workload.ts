import type {Obj} from '../../model/resource.js'
import {duplicates, fromSkeleton, list, type Generator} from './common.js'

export const workload: Generator = {
  check: (p) => duplicates(list(p.versions), (i) => `/versions/${i}`, 'version'),

  render(p, skeleton) {
    const name = String(p.name)
    const namespace = String(p.namespace)
    const port = Number(p.port)
    const sa = String(p.serviceAccount ?? name)
    const account = fromSkeleton(skeleton, 'ServiceAccount', {name: sa, namespace, labels: {app: name}})
    const service = fromSkeleton(skeleton, 'Service', {name, namespace, labels: {app: name}})
    service.spec = {selector: {app: name}, ports: [{name: 'http', port, targetPort: port}]}
    const deployments = list(p.versions).map((version) => {
      const labels = {app: name, version}
      const d = fromSkeleton(skeleton, 'Deployment', {name: `${name}-${version}`, namespace, labels})
      const spec = d.spec as Obj
      spec.replicas = p.replicas
      spec.selector = {matchLabels: {...labels}}
      const template = spec.template as Obj
      template.metadata = {labels: {...labels}}
      const pod = template.spec as Obj
      pod.serviceAccountName = sa
      const container = (pod.containers as Obj[])[0]!
      container.image = p.image
      container.ports = [{name: 'http', containerPort: port}]
      return d
    })
    return [account, service, ...deployments]
  },
}
