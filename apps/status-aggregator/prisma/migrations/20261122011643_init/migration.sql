-- CreateEnum
CREATE TYPE "component_state" AS ENUM ('operational', 'degraded_performance', 'partial_outage', 'major_outage');

-- CreateTable
CREATE TABLE "components" (
    "service" VARCHAR(63) NOT NULL,
    "state" "component_state" NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "last_seen_at" TIMESTAMPTZ(3),
    "last_checked_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "components_pkey" PRIMARY KEY ("service")
);

-- CreateTable
CREATE TABLE "status_samples" (
    "id" BIGSERIAL NOT NULL,
    "service" VARCHAR(63) NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "state" "component_state" NOT NULL,
    "instances_up" INTEGER NOT NULL,
    "instances_total" INTEGER NOT NULL,
    "latency_ms" INTEGER,

    CONSTRAINT "status_samples_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "status_changes" (
    "id" BIGSERIAL NOT NULL,
    "service" VARCHAR(63) NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "from_state" "component_state",
    "to_state" "component_state" NOT NULL,

    CONSTRAINT "status_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incidents" (
    "id" UUID NOT NULL,
    "service" VARCHAR(63) NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "impact" "component_state" NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_updates" (
    "id" BIGSERIAL NOT NULL,
    "incident_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "state" "component_state" NOT NULL,
    "message" VARCHAR(2000) NOT NULL,

    CONSTRAINT "incident_updates_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "status_samples_service_at_idx" ON "status_samples"("service", "at");

-- CreateIndex
CREATE INDEX "status_samples_at_idx" ON "status_samples"("at");

-- CreateIndex
CREATE INDEX "status_changes_service_at_idx" ON "status_changes"("service", "at");

-- CreateIndex
CREATE INDEX "status_changes_at_idx" ON "status_changes"("at");

-- CreateIndex
CREATE INDEX "incidents_started_at_id_idx" ON "incidents"("started_at", "id");

-- CreateIndex
CREATE INDEX "incidents_service_resolved_at_idx" ON "incidents"("service", "resolved_at");

-- CreateIndex
CREATE INDEX "incident_updates_incident_id_at_idx" ON "incident_updates"("incident_id", "at");

-- AddForeignKey
ALTER TABLE "incident_updates" ADD CONSTRAINT "incident_updates_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
