import type { DataPlaneRoute } from './ruleset.ts';

/**
 * `count` distinct routes that nest the way real route tables do: a /16 every fifth route and
 * /20s inside it, actions mixed, every seventh deliver or translate route limited to one user. For tests and the benchmark.
 */
export function manyRoutes(count: number): DataPlaneRoute[] {
  return Array.from({ length: count }, (_, i) => {
    const block = Math.floor(i / 5);
    const network = `${10 + Math.floor(block / 256)}.${block % 256}`;
    return {
      id: `r001-00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      destination: i % 5 === 0 ? `${network}.0.0/16` : `${network}.${(i % 5) * 16}.0/20`,
      action: (['deliver', 'translate', 'drop'] as const)[i % 3] ?? 'deliver',
      ...(i % 7 === 0 && i % 3 !== 2 && { access: { users: [`user-${i}`], commonNames: [] } }),
    };
  });
}
