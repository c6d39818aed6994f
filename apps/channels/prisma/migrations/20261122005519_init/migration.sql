-- CreateTable
CREATE TABLE "channels" (
    "id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "description" VARCHAR(2000),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channels_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "channels_owner_id_created_at_id_idx" ON "channels"("owner_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "channels_created_at_id_idx" ON "channels"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "channels_owner_id_name_key" ON "channels"("owner_id", "name");
