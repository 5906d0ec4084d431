// OpenTelemetry spans from failback's diagnostics channel, with the database semantic
// conventions: the subscriber is the README's, verbatim in shape, on a real memcached.
import diagnostics from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, Client, type CommandMessage } from '../bindings/entry/node.js';
import { MemcachedServer, startCluster } from './support/memcached.js';

/** The README's subscriber: one CLIENT span per request to a server. */
function subscribe(tracer: Tracer): () => void {
  const spans = new WeakMap<object, Span>();
  const handlers = {
    start(m: unknown) {
      const c = m as CommandMessage;
      spans.set(c, tracer.startSpan(c.command, { kind: SpanKind.CLIENT, attributes: {
        'db.system.name': 'memcached', 'db.operation.name': c.command,
        'server.address': c.host, 'server.port': c.port, 'db.operation.batch.size': c.keys } }));
    },
    end() {},
    asyncStart() {},
    asyncEnd(m: unknown) { spans.get(m as object)?.end(); },
    error(m: unknown) {
      const c = m as CommandMessage;
      spans.get(c)?.recordException(c.error as Error);
      spans.get(c)?.setStatus({ code: SpanStatusCode.ERROR });
    },
  };
  const channel = diagnostics.tracingChannel(CHANNELS.command);
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}

let servers: MemcachedServer[];
let mc: Client;
const exporter = new InMemorySpanExporter();
let unsubscribe: () => void;
beforeAll(async () => {
  servers = await startCluster(2);
  mc = new Client({ servers: servers.map((s) => s.address), timeout: 300, failureLimit: 5 });
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  unsubscribe = subscribe(provider.getTracer('failback-test'));
});
afterAll(async () => {
  unsubscribe?.();
  await mc?.close();
  await Promise.all((servers ?? []).map((s) => s.stop()));
});

describe('OpenTelemetry through diagnostics_channel', () => {
  it('a span per request, named by the command, with db.* and server.* attributes', async () => {
    exporter.reset();
    await mc.set('otel:a', '1');
    await mc.get('otel:a');
    await mc.getMany(Array.from({ length: 10 }, (_, i) => `otel:${i}`));
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).slice(0, 2)).toEqual(['set', 'get']);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.attributes['db.system.name']).toBe('memcached');
      expect(span.attributes['db.operation.name']).toBe(span.name);
      expect(servers.map((s) => s.port)).toContain(span.attributes['server.port']);
      expect(span.attributes['server.address']).toBe('127.0.0.1');
      expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    }
    const batches = spans.slice(2);
    expect(batches.reduce((n, s) => n + Number(s.attributes['db.operation.batch.size']), 0)).toBe(10);
  });

  it('a failed request is an ERROR span with the exception recorded', async () => {
    exporter.reset();
    const { server } = await mc.serverFor('otel:slow');
    const victim = servers.find((s) => s.address === server)!;
    await victim.pause();
    try {
      await expect(mc.get('otel:slow')).rejects.toMatchObject({ code: 'ERR_COMMAND_TIMEOUT' });
    } finally {
      victim.resume();
    }
    const [span] = exporter.getFinishedSpans();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.map((e) => e.name)).toContain('exception');
    expect(span.events[0].attributes?.['exception.type']).toBe('ERR_COMMAND_TIMEOUT');
  });
});
