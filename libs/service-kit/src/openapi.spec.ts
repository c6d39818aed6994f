import request from 'supertest';
import { z } from 'zod';
import { OpenApiDocumentSchema } from '@platform/contracts';
import { createServiceApp } from './create-app';
import { createLogger } from './logger';

const logger = createLogger({ service: 'kit-test', level: 'error', pretty: false });
const base = { service: 'kit-test', version: '9.9.9', instanceId: 'kit-test-1', logger, routes: () => undefined };

describe('GET /openapi.json', () => {
  it('serves the document generated from the operations the service passes', async () => {
    const app = createServiceApp({
      ...base,
      openapi: {
        title: 'kit-test',
        version: '9.9.9',
        operations: [
          {
            method: 'POST',
            path: '/things',
            summary: 'Make a thing',
            tags: ['things'],
            auth: 'user',
            request: { body: z.strictObject({ name: z.string() }) },
            responses: { 201: { description: 'Made', schema: z.object({ id: z.string() }) } },
          },
        ],
      },
    });
    const res = await request(app).get('/openapi.json').expect(200).expect('content-type', /json/);
    const doc = OpenApiDocumentSchema.parse(res.body);
    expect(doc.info).toEqual({ title: 'kit-test', version: '9.9.9' });
    expect(doc.paths['/things']?.post).toMatchObject({ operationId: 'postThings', summary: 'Make a thing' });
  });

  it('is not mounted when the service documents nothing', async () => {
    await request(createServiceApp(base)).get('/openapi.json').expect(404);
  });
});
