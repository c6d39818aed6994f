-- AlterTable
ALTER TABLE "users" ADD COLUMN     "token_version" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "username_key" TEXT;

-- Usernames become unique case-insensitively (hand-written). Existing accounts whose usernames differ
-- only in case: the oldest keeps its name; each later one gets the lowest free suffix `-2`, `-3`, …
-- (its display case kept, cut to fit 32 characters), recorded in the audit log as
-- `username_changed_by_migration`. Nothing else about those accounts changes: they log in by email.
DO $$
DECLARE
  r RECORD;
  k INTEGER;
  candidate TEXT;
BEGIN
  FOR r IN
    SELECT d.id, d.username FROM (
      SELECT id, username, row_number() OVER (PARTITION BY lower(username) ORDER BY created_at, id) AS n FROM "users"
    ) d
    WHERE d.n > 1
    ORDER BY lower(d.username), d.n
  LOOP
    k := 2;
    LOOP
      candidate := left(r.username, 32 - length(k::text) - 1) || '-' || k::text;
      EXIT WHEN NOT EXISTS (SELECT 1 FROM "users" WHERE lower("username") = lower(candidate));
      k := k + 1;
    END LOOP;
    UPDATE "users" SET "username" = candidate, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = r.id;
    INSERT INTO "auth_audit_log" ("id", "event", "user_id", "actor_id", "details")
    VALUES (gen_random_uuid(), 'username_changed_by_migration', r.id, 'migration',
            jsonb_build_object('from', r.username, 'to', candidate, 'reason', 'usernames are unique case-insensitively'));
  END LOOP;
END $$;

UPDATE "users" SET "username_key" = lower("username");
ALTER TABLE "users" ALTER COLUMN "username_key" SET NOT NULL;

-- CreateTable
CREATE TABLE "token_revocations" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "session_id" TEXT,
    "min_version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "token_revocations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key_key" ON "users"("username_key");

-- CreateIndex
CREATE INDEX "token_revocations_published_at_created_at_idx" ON "token_revocations"("published_at", "created_at");

-- AddCheckConstraint (hand-written, Prisma cannot express it: the key is the lowercase username)
ALTER TABLE "users" ADD CONSTRAINT "users_username_key_lowercase_check" CHECK ("username_key" = lower("username"));
