-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "stop_reason" TEXT;

-- CreateTable
CREATE TABLE "user_budgets" (
    "user_id" UUID NOT NULL,
    "limits" JSONB NOT NULL DEFAULT '{}',
    "updated_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_budgets_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "usage_charges" (
    "run_id" UUID NOT NULL,
    "run_seq" INTEGER NOT NULL,
    "user_id" UUID NOT NULL,
    "session_id" UUID NOT NULL,
    "turn" INTEGER,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "input_tokens" INTEGER NOT NULL,
    "output_tokens" INTEGER NOT NULL,
    "cost_usd" DECIMAL(18,9) NOT NULL,
    "day" DATE NOT NULL,
    "charged_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "usage_charges_pkey" PRIMARY KEY ("run_id","run_seq")
);

-- CreateTable
CREATE TABLE "usage_daily" (
    "user_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "input_tokens" BIGINT NOT NULL DEFAULT 0,
    "output_tokens" BIGINT NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(20,9) NOT NULL DEFAULT 0,
    "turns" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "usage_daily_pkey" PRIMARY KEY ("user_id","day")
);

-- CreateIndex
CREATE INDEX "usage_charges_user_id_day_idx" ON "usage_charges"("user_id", "day");
