import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import {
  InstanceParamsSchema,
  RegisterInstanceRequestSchema,
  ServiceNameSchema,
  type RegisterInstanceResponse,
  type ServiceInstancesResponse,
  type ServiceListResponse,
} from '@platform/contracts';
import { NotFoundError, UnauthorizedError, parseInput } from '@platform/service-kit';
import type { InstanceStore } from '../services/instance-store';

const ServiceParamsSchema = z.object({ name: ServiceNameSchema });

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Only holders of the registry's service credential may read or change it. */
function requireServiceCredential(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new UnauthorizedError('A service credential is required');
    }
    next();
  };
}

export function registryRoutes(store: InstanceStore, token: string): Router {
  const r = Router();
  r.use('/registry', requireServiceCredential(token));

  r.post('/registry/instances', async (req, res) => {
    const input = parseInput(RegisterInstanceRequestSchema, req.body, 'body');
    const instance = await store.register(input);
    req.log.info('instance registered', { target: instance.name, target_instance: instance.instance_id, url: instance.url });
    const body: RegisterInstanceResponse = {
      instance,
      ttl_ms: store.ttlMs,
      heartbeat_interval_ms: Math.max(100, Math.floor(store.ttlMs / 3)),
    };
    res.status(201).json(body);
  });

  r.put('/registry/instances/:name/:instance_id/heartbeat', async (req, res) => {
    const { name, instance_id } = parseInput(InstanceParamsSchema, req.params, 'params');
    if (!(await store.heartbeat(name, instance_id))) throw new NotFoundError('Instance');
    res.status(204).end();
  });

  r.delete('/registry/instances/:name/:instance_id', async (req, res) => {
    const { name, instance_id } = parseInput(InstanceParamsSchema, req.params, 'params');
    if (!(await store.deregister(name, instance_id))) throw new NotFoundError('Instance');
    req.log.info('instance deregistered', { target: name, target_instance: instance_id });
    res.status(204).end();
  });

  r.get('/registry/services', async (_req, res) => {
    const body: ServiceListResponse = { services: await store.listAll() };
    res.json(body);
  });

  r.get('/registry/services/:name', async (req, res) => {
    const { name } = parseInput(ServiceParamsSchema, req.params, 'params');
    const body: ServiceInstancesResponse = { name, instances: await store.list(name) };
    res.json(body);
  });
  return r;
}
