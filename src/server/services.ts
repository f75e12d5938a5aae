import type { DomainContext } from '../domain/context.ts';
import type { IdentityService } from '../domain/identity/service.ts';
import type { CertificateService } from '../domain/certificates/service.ts';
import type { SluiceMetrics } from './metrics/registry.ts';
import type { ReadinessProbe } from './readiness.ts';

/** Everything the HTTP layer calls into. Built once by the composition root (src/server/serve.ts). */
export interface AppServices {
  ctx: DomainContext;
  identity: IdentityService;
  certificates: CertificateService;
  /** Host clients connect to, as written into profiles and `hostname`. */
  publicHost: string;
  /** Address the VPN servers listen on, shown as `private_ips`. */
  listenHost: string;
  /** The Prometheus registry (one is made when absent). */
  metrics?: SluiceMetrics;
  /** What /readyz checks (store and migrations when absent). */
  readiness?: ReadinessProbe;
}
