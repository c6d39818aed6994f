import request from 'supertest';
import { OpenApiDocumentSchema, exampleProblems } from '@platform/contracts';
import { routeCoverage } from '@platform/testing';
import { AUTH_OPERATIONS } from '../src/routes/endpoints';
import { buildAuthApp } from './support/harness';

// No query reaches the database: Prisma connects lazily and only the document is read.
const { app, db } = buildAuthApp({ DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/unused' });
afterAll(() => db.$disconnect());

describe('auth OpenAPI document', () => {
  it('documents every route the app mounts, and mounts every documented operation', async () => {
    const res = await request(app).get('/openapi.json').expect(200);
    const doc = OpenApiDocumentSchema.parse(res.body);
    expect(doc.info.title).toBe('auth');
    expect(routeCoverage(app, doc)).toEqual({ undocumented: [], unmounted: [] });
  });

  it('carries examples its own schemas accept', () => {
    expect(exampleProblems(AUTH_OPERATIONS)).toEqual([]);
  });
});
