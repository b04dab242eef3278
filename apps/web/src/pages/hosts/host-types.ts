import type { paths } from '../../api/schema.gen.js';

export type HostDetail = paths['/api/v1/hosts/{host}']['get']['responses'][200]['content']['application/json'];
export type TrafficSummary = paths['/api/v1/traffic']['get']['responses'][200]['content']['application/json'];
