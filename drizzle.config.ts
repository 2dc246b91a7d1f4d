import { defineConfig } from 'drizzle-kit';

// drizzle-kit's configuration, for whichever database DATABASE_URL names (the same variable and
// default as the app: lib/config.ts). `npm run db:generate` runs `generate` once per dialect.
const url = process.env.DATABASE_URL || 'file:./data/gatehouse.db';

export default /^postgres(ql)?:\/\//i.test(url)
  ? defineConfig({
      dialect: 'postgresql',
      schema: './db/schema/postgres.ts',
      out: './drizzle/postgres',
      dbCredentials: { url },
    })
  : defineConfig({
      dialect: 'sqlite',
      schema: './db/schema/sqlite.ts',
      out: './drizzle/sqlite',
      dbCredentials: { url },
    });
