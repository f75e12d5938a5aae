import type { Benchmark } from '../lib/result.ts';
import { auth } from './auth.ts';
import { dataplane } from './dataplane.ts';
import { disconnect } from './disconnect.ts';
import { eventOrder } from './event-order.ts';
import { ingest } from './ingest.ts';
import { groupCommit } from './group-commit.ts';
import { keepalive } from './keepalive.ts';
import { list } from './list.ts';
import { memory } from './memory.ts';
import { remoteGateway } from './remote-gateway.ts';
import { replicaStreams } from './replica-streams.ts';
import { replicas } from './replicas.ts';
import { stormBench } from './storm.ts';
import { scale } from './scale.ts';
import { observability } from './observability.ts';

/** In the order `npm run bench` runs them: cheap and in-process first, real OpenVPN last. */
export const BENCHMARKS: Benchmark[] = [ingest, groupCommit, eventOrder, auth, list, observability, memory, scale, disconnect, stormBench, replicas, replicaStreams, keepalive, remoteGateway, dataplane];
