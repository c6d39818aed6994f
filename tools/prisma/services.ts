import fs from 'node:fs';
import path from 'node:path';

export interface PrismaService {
  service: string;
  schemaPath: string;
  migrationsDir: string;
}

/** Every `apps/<svc>/prisma/schema.prisma` under `root`, sorted by service name. */
export function discoverPrismaServices(root: string): Array<{ service: string; schemaPath: string; migrationsDir: string }> {
  const appsDir = path.join(root, 'apps');
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(appsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => ({
      service: e.name,
      schemaPath: path.join(appsDir, e.name, 'prisma', 'schema.prisma'),
      migrationsDir: path.join(appsDir, e.name, 'prisma', 'migrations'),
    }))
    .filter((s) => fs.existsSync(s.schemaPath))
    .sort((a, b) => a.service.localeCompare(b.service));
}
